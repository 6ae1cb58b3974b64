"""The people directory: GET people/."""

import pytest

from tests.factories import UserFactory
from users.services import block_create, user_set_skills

pytestmark = pytest.mark.django_db
PEOPLE = "/api/v1/people/"
ROW_FIELDS = {"id", "handle", "name", "avatar", "bio", "skills", "looking_to_collaborate", "hire_me", "karma"}


def person(handle, skills=(), **fields):
    user = UserFactory(handle=handle, **fields)
    user_set_skills(user=user, skills=[{"skill": s, "proficiency": p} for s, p in skills])
    return user


def handles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["handle"] for row in response.json()["results"]]


@pytest.fixture
def me():
    return person("viewer", [("python", "advanced")])


@pytest.fixture
def client(make_client, me):
    return make_client(me)


class TestDirectory:
    def test_rows_are_public_profiles_without_email(self, client):
        person("ada", [("python", "expert")], bio="Compilers", hire_me=True)
        body = client.get(PEOPLE).json()
        assert set(body) == {"count", "next", "previous", "results"}
        row = body["results"][0]
        assert set(row) >= ROW_FIELDS
        assert "email" not in row and "@example.com" not in str(body)
        assert row["skills"] == [{"skill": "python", "proficiency": "expert"}]

    def test_ordered_by_skill_match_then_karma(self, client):
        person("rusty", [("rust", "expert")], karma=500)
        person("py-beginner", [("python", "beginner")], karma=50)
        person("py-expert", [("python", "expert")], karma=1)
        person("py-expert-famous", [("python", "expert")], karma=90)
        person("nobody", karma=1000)
        # Without ?skill= the match is against my own skills (python).
        assert handles(client.get(PEOPLE)) == ["py-expert-famous", "py-expert", "py-beginner", "nobody", "rusty"]
        # With ?skill= against those skills.
        assert handles(client.get(PEOPLE, {"skill": "rust"})) == ["rusty"]

    def test_skill_filters_are_all_of_and_case_insensitive(self, client):
        person("both", [("python", "advanced"), ("rust", "beginner")])
        person("only-py", [("python", "expert")])
        assert handles(client.get(f"{PEOPLE}?skill=Python&skill=rust")) == ["both"]
        assert handles(client.get(PEOPLE, {"skill": "cobol"})) == []

    def test_min_proficiency(self, client):
        person("beg", [("python", "beginner")])
        person("adv", [("python", "advanced")])
        person("exp", [("python", "expert")])
        assert handles(client.get(PEOPLE, {"skill": "python", "min_proficiency": "advanced"})) == ["exp", "adv"]
        assert handles(client.get(PEOPLE, {"min_proficiency": "expert"})) == ["exp"]

    def test_availability_hire_me_and_search(self, client):
        person("collab", looking_to_collaborate=True)
        person("hireable", hire_me=True, bio="Rust and embedded")
        person("plain", name="Grace Hopper")
        assert handles(client.get(PEOPLE, {"looking_to_collaborate": "true"})) == ["collab"]
        assert handles(client.get(PEOPLE, {"hire_me": "true"})) == ["hireable"]
        assert set(handles(client.get(PEOPLE, {"hire_me": "false"}))) == {"collab", "plain"}
        assert handles(client.get(PEOPLE, {"search": "embedded"})) == ["hireable"]
        assert handles(client.get(PEOPLE, {"search": "hopper"})) == ["plain"]
        assert handles(client.get(PEOPLE, {"search": "HIRE"})) == ["hireable"]

    def test_blocks_either_way_me_and_inactive_users_never_appear(self, client, me):
        i_blocked, blocked_me = person("i-blocked"), person("blocked-me")
        person("visible")
        person("gone", is_active=False)
        block_create(blocker=me, blocked=i_blocked)
        block_create(blocker=blocked_me, blocked=me)
        assert handles(client.get(PEOPLE)) == ["visible"]

    @pytest.mark.parametrize(
        "query",
        [
            "min_proficiency=guru",
            "looking_to_collaborate=perhaps",
            "hire_me=2",
            "skill=" + "x" * 60,
            "search=" + "y" * 101,
            "&".join(["skill=s"] * 11),
            "page=abc",
            "page_size=-1&page=99",
        ],
    )
    def test_bad_filters_4xx(self, client, query):
        response = client.get(f"{PEOPLE}?{query}")
        assert response.status_code in (400, 404), response.content
        assert response.status_code != 500

    def test_anonymous_401(self, anon_client):
        assert anon_client.get(PEOPLE).status_code == 401

    def test_rate_limited(self, client, settings):
        settings.RATELIMIT_PEOPLE = "2/m"
        client.get(PEOPLE)
        client.get(PEOPLE)
        assert client.get(PEOPLE).status_code == 429

    @pytest.mark.parametrize("size", [2, 30])
    def test_query_count_is_fixed(self, client, size, django_assert_max_num_queries):
        for n in range(size):
            person(f"p{n}", [("python", "expert"), ("go", "beginner")], looking_to_collaborate=True)
        # auth user, my skills, skill ids, count, page, skills prefetch
        with django_assert_max_num_queries(6):
            response = client.get(PEOPLE, {"skill": "python", "page_size": 100})
        assert response.json()["count"] == size
        with django_assert_max_num_queries(6):
            assert client.get(PEOPLE, {"page_size": 100}).json()["count"] == size
