import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory
from users.models import Follow, Skill, UserSkill
from users.services import user_set_skills

User = get_user_model()
ME = "/api/v1/users/me/"
pytestmark = pytest.mark.django_db

ME_FIELDS = {
    "id", "handle", "name", "avatar", "email", "bio", "github_url", "linkedin_url", "looking_to_collaborate",
    "skills", "karma", "current_streak", "longest_streak", "date_joined", "hire_me", "portfolio_url", "dm_policy",
    "email_verified", "has_password", "github_login",
}  # fmt: skip
PROFILE_FIELDS = {
    "id", "handle", "name", "avatar", "bio", "github_url", "linkedin_url", "looking_to_collaborate", "skills",
    "karma", "badges", "followers_count", "following_count", "is_following", "date_joined", "hire_me",
    "portfolio_url",
}  # fmt: skip


class TestMe:
    def test_get_me(self, auth_client, user):
        response = auth_client.get(ME)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == ME_FIELDS
        assert body["email"] == user.email

    def test_anonymous_401(self, anon_client):
        assert anon_client.get(ME).status_code == 401

    @pytest.mark.parametrize("path", [ME, "/api/v1/users/update/"])
    def test_patch_profile(self, auth_client, user, path):
        response = auth_client.patch(
            path,
            {
                "name": "Grace",
                "bio": "Compilers.",
                "github_url": "https://github.com/grace",
                "looking_to_collaborate": True,
            },
        )
        assert response.status_code == 200, response.content
        assert response.json()["name"] == "Grace"
        user.refresh_from_db()
        assert (user.name, user.bio, user.looking_to_collaborate) == ("Grace", "Compilers.", True)

    def test_patch_skills_with_profile(self, auth_client, user):
        response = auth_client.patch(ME, {"skills": [{"skill": "Rust", "proficiency": "expert"}]})
        assert response.status_code == 200
        assert response.json()["skills"] == [{"skill": "rust", "proficiency": "expert"}]

    def test_patch_cannot_change_karma_or_staff(self, auth_client, user):
        response = auth_client.patch(ME, {"karma": 999, "is_staff": True})
        assert response.status_code == 200
        user.refresh_from_db()
        assert (user.karma, user.is_staff) == (0, False)

    def test_patch_email_without_password_400_and_nothing_changes(self, auth_client, user):
        response = auth_client.patch(ME, {"email": "evil@example.com", "name": "Changed"})
        assert response.status_code == 400
        assert "password" in response.json()
        user.refresh_from_db()
        assert user.email != "evil@example.com" and user.name != "Changed"

    def test_patch_bad_input_changes_nothing(self, auth_client, user):
        response = auth_client.patch(
            ME, {"name": "ok", "bio": "b" * 2001, "github_url": "not a url", "looking_to_collaborate": "perhaps"}
        )
        assert response.status_code == 400
        assert {"bio", "github_url", "looking_to_collaborate"} <= set(response.json())
        user.refresh_from_db()
        assert user.name != "ok"

    def test_patch_bad_skill_leaves_skills_alone(self, auth_client, user):
        user_set_skills(user=user, skills=[{"skill": "go", "proficiency": "advanced"}])
        response = auth_client.patch(ME, {"name": "x", "skills": [{"skill": "python", "proficiency": "wizard"}]})
        assert response.status_code == 400
        assert list(user.user_skills.values_list("skill__name", flat=True)) == ["go"]


class TestPublicProfile:
    def test_profile_has_no_email(self, anon_client):
        other = UserFactory(email="secret@example.com")
        response = anon_client.get(f"/api/v1/users/{other.id}/")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == PROFILE_FIELDS
        assert "secret@example.com" not in response.content.decode()
        assert body["is_following"] is False

    def test_counts_and_is_following(self, make_client):
        alice, bob, carol = UserFactory.create_batch(3)
        Follow.objects.create(follower=alice, followee=bob)
        Follow.objects.create(follower=carol, followee=bob)
        Follow.objects.create(follower=bob, followee=carol)
        body = make_client(alice).get(f"/api/v1/users/{bob.id}/").json()
        assert (body["followers_count"], body["following_count"], body["is_following"]) == (2, 1, True)

    def test_unknown_or_inactive_user_404(self, anon_client):
        gone = UserFactory(is_active=False)
        assert anon_client.get(f"/api/v1/users/{gone.id}/").status_code == 404
        assert anon_client.get("/api/v1/users/999999/").status_code == 404
        assert anon_client.get("/api/v1/users/99999999999999999999999/").status_code == 404
        assert anon_client.get("/api/v1/users/abc/").status_code == 404

    def test_profile_query_count_does_not_grow_with_skills(self, anon_client, django_assert_max_num_queries):
        other = UserFactory()
        user_set_skills(user=other, skills=[{"skill": f"s{i}", "proficiency": "expert"} for i in range(15)])
        with django_assert_max_num_queries(4):
            response = anon_client.get(f"/api/v1/users/{other.id}/")
        assert len(response.json()["skills"]) == 15


class TestSkills:
    def test_replace_my_skills(self, auth_client, user):
        user_set_skills(user=user, skills=[{"skill": "cobol", "proficiency": "expert"}])
        body = [{"skill": "  Python ", "proficiency": "advanced"}, {"skill": "Django", "proficiency": "beginner"}]
        response = auth_client.put("/api/v1/users/me/skills/", body, format="json")
        assert response.status_code == 200
        assert response.json() == [
            {"skill": "django", "proficiency": "beginner"},
            {"skill": "python", "proficiency": "advanced"},
        ]
        assert set(user.user_skills.values_list("skill__name", flat=True)) == {"python", "django"}
        assert Skill.objects.filter(name="cobol").exists()  # the catalogue keeps it

    def test_replace_with_empty_list(self, auth_client, user):
        user_set_skills(user=user, skills=[{"skill": "go", "proficiency": "expert"}])
        assert auth_client.put("/api/v1/users/me/skills/", [], format="json").status_code == 200
        assert not user.user_skills.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"skill": "python"},
            [{"skill": "python", "proficiency": "godlike"}],
            [{"skill": "", "proficiency": "expert"}],
            [{"skill": "x" * 51, "proficiency": "expert"}],
            [{"proficiency": "expert"}],
            [{"skill": f"s{i}", "proficiency": "expert"} for i in range(51)],
            ["python"],
        ],
    )
    def test_bad_skill_lists_400_and_nothing_written(self, auth_client, user, body):
        user_set_skills(user=user, skills=[{"skill": "go", "proficiency": "expert"}])
        response = auth_client.put("/api/v1/users/me/skills/", body, format="json")
        assert response.status_code == 400
        assert list(user.user_skills.values_list("skill__name", flat=True)) == ["go"]

    def test_needs_auth(self, anon_client):
        assert anon_client.put("/api/v1/users/me/skills/", [], format="json").status_code == 401

    def test_user_skills_public(self, anon_client):
        other = UserFactory()
        user_set_skills(user=other, skills=[{"skill": "go", "proficiency": "expert"}])
        response = anon_client.get(f"/api/v1/users/{other.id}/skills/")
        assert response.status_code == 200
        assert response.json() == [{"skill": "go", "proficiency": "expert"}]

    def test_skill_catalogue_search(self, anon_client):
        Skill.objects.bulk_create([Skill(name=n) for n in ["python", "pytorch", "go"]])
        response = anon_client.get("/api/v1/skills/?search=PY")
        assert response.status_code == 200
        assert [s["name"] for s in response.json()["results"]] == ["python", "pytorch"]

    def test_skill_catalogue_query_count(self, anon_client, django_assert_num_queries):
        Skill.objects.bulk_create([Skill(name=f"skill{i}") for i in range(30)])
        with django_assert_num_queries(2):
            response = anon_client.get("/api/v1/skills/?page_size=25")
        assert len(response.json()["results"]) == 25


class TestFollow:
    def test_follow_and_unfollow_idempotent(self, make_client):
        alice, bob = UserFactory.create_batch(2)
        client = make_client(alice)
        for _ in range(2):
            response = client.post(f"/api/v1/users/{bob.id}/follow/")
            assert response.status_code == 200
            assert response.json()["is_following"] is True
        assert Follow.objects.filter(follower=alice, followee=bob).count() == 1
        for _ in range(2):
            assert client.delete(f"/api/v1/users/{bob.id}/follow/").status_code == 204
        assert not Follow.objects.exists()

    def test_follow_yourself_400(self, auth_client, user):
        response = auth_client.post(f"/api/v1/users/{user.id}/follow/")
        assert response.status_code == 400
        assert not Follow.objects.exists()

    def test_follow_unknown_404_and_anonymous_401(self, auth_client, anon_client):
        assert auth_client.post("/api/v1/users/424242/follow/").status_code == 404
        target = UserFactory()
        assert anon_client.post(f"/api/v1/users/{target.id}/follow/").status_code == 401

    def test_followers_and_following_lists(self, anon_client):
        star = UserFactory()
        fans = UserFactory.create_batch(3)
        for fan in fans:
            Follow.objects.create(follower=fan, followee=star)
        response = anon_client.get(f"/api/v1/users/{star.id}/followers/")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert [u["id"] for u in body["results"]] == [f.id for f in reversed(fans)]
        assert set(body["results"][0]) == {"id", "handle", "name", "avatar"}
        following = anon_client.get(f"/api/v1/users/{fans[0].id}/following/").json()
        assert [u["id"] for u in following["results"]] == [star.id]

    @pytest.mark.parametrize("size", [1, 30])
    def test_followers_query_count_fixed(self, anon_client, django_assert_num_queries, size):
        star = UserFactory()
        Follow.objects.bulk_create([Follow(follower=UserFactory(), followee=star) for _ in range(size)])
        with django_assert_num_queries(3):  # user lookup, count, page
            response = anon_client.get(f"/api/v1/users/{star.id}/followers/")
        assert response.json()["count"] == size


class TestStaffList:
    def test_staff_only(self, make_client, auth_client, anon_client):
        staff = UserFactory(is_staff=True)
        assert auth_client.get("/api/v1/users/").status_code == 403
        assert anon_client.get("/api/v1/users/").status_code == 401
        response = make_client(staff).get("/api/v1/users/")
        assert response.status_code == 200
        assert "email" in response.json()["results"][0]  # staff may see e-mail addresses

    def test_search(self, make_client):
        staff = UserFactory(is_staff=True)
        UserFactory(handle="findme", email="zz@example.com")
        UserFactory(name="Other", email="qq@corp.io")
        client = make_client(staff)
        assert [u["handle"] for u in client.get("/api/v1/users/?search=findme").json()["results"]] == ["findme"]
        assert client.get("/api/v1/users/?search=corp.io").json()["count"] == 1

    def test_pagination_limits(self, make_client):
        staff = UserFactory(is_staff=True)
        UserFactory.create_batch(4)
        client = make_client(staff)
        body = client.get("/api/v1/users/?page_size=2").json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert len(body["results"]) == 2 and body["count"] == 5
        assert len(client.get("/api/v1/users/?page_size=1000").json()["results"]) == 5
        assert client.get("/api/v1/users/?page=99").status_code == 404
        assert client.get("/api/v1/users/?page=abc").status_code == 404

    @pytest.mark.parametrize("size", [1, 25])
    def test_query_count_fixed(self, make_client, django_assert_num_queries, size):
        staff = UserFactory(is_staff=True)
        for other in UserFactory.create_batch(size):
            user_set_skills(user=other, skills=[{"skill": "go", "proficiency": "expert"}])
        client = make_client(staff)
        with django_assert_num_queries(5):  # auth user, count, page, skills and GitHub-link prefetches
            response = client.get("/api/v1/users/?page_size=100")
        assert response.json()["count"] == size + 1


def test_user_manager_rules():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="x")
    user = User.objects.create_user(email="Mixed@EXAMPLE.com", password="x", handle="mixed")
    assert user.email == "Mixed@example.com"
    admin = User.objects.create_superuser(email="root@example.com", password="x", handle="root")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValueError):
        User.objects.create_superuser(email="r2@example.com", password="x", handle="r2", is_staff=False)
    assert UserSkill.objects.count() == 0


@pytest.mark.parametrize("item", [{"proficiency": "expert"}, {"skill": "go", "proficiency": None}, {}, "go"])
def test_patch_me_with_incomplete_skill_items_400(auth_client, user, item):
    response = auth_client.patch(ME, {"skills": [item]}, format="json")
    assert response.status_code == 400
    assert "skills" in response.json()
    assert not user.user_skills.exists()


def test_patch_me_omitted_proficiency_defaults():
    user = UserFactory()
    from tests.conftest import client_for

    response = client_for(user).patch(ME, {"skills": [{"skill": "go"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["skills"] == [{"skill": "go", "proficiency": "intermediate"}]
