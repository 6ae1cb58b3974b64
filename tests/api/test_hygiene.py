"""API hygiene every endpoint inherits from the api kit without writing anything for it.

- every write is rate limited per user and scope (api/throttling.py), 429 + Retry-After;
- deprecated versions answer Deprecation / Sunset / Link headers (api/deprecation.py);
- every error status an operation can answer is in the OpenAPI schema with its body (api/schema.py).

A throwaway viewset mounted below stands in for "an endpoint someone adds tomorrow".
"""

import pytest
from django.urls import include, path, re_path
from drf_spectacular.generators import SchemaGenerator
from rest_framework import permissions, routers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class GadgetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=20)


class GadgetViewSet(viewsets.GenericViewSet):
    """Written with no thought for rate limits or error documentation."""

    serializer_class = GadgetSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def list(self, request, *args, **kwargs):
        return Response([])

    def create(self, request, *args, **kwargs):
        data = GadgetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def polish(self, request, pk=None, *args, **kwargs):
        return Response({"polished": pk})


router = routers.SimpleRouter()
router.register("gadgets", GadgetViewSet, basename="gadget")
urlpatterns = [
    re_path(r"^api/(?P<version>v[0-9]+)/", include(router.urls)),
    path("api/", include("api.urls")),
]

NEW_ENDPOINT = pytest.mark.urls(__name__)


def _post(client, url="/api/v1/gadgets/", body=None):
    return client.post(url, body or {"name": "lamp"}, format="json")


# --- writes are rate limited ---------------------------------------------------------------------


@NEW_ENDPOINT
def test_a_new_write_endpoint_is_rate_limited_per_user(settings):
    settings.RATELIMIT_WRITES = "3/m"
    alice, bob = client_for(UserFactory()), client_for(UserFactory())
    assert [_post(alice).status_code for _ in range(3)] == [201, 201, 201]

    limited = _post(alice)
    assert limited.status_code == 429
    body = limited.json()
    assert set(body) == {"detail", "retry_after"}
    assert 1 <= body["retry_after"] <= 60
    assert limited["Retry-After"] == str(body["retry_after"])

    assert _post(bob).status_code == 201  # per user
    assert alice.get("/api/v1/gadgets/").status_code == 200  # reads are not counted
    assert _post(alice, "/api/v1/gadgets/7/polish/").status_code == 200  # another action, another budget


@NEW_ENDPOINT
def test_write_scope_rates_come_from_the_environment_setting(settings):
    settings.RATELIMIT_WRITES = "100/m"
    settings.RATELIMIT_WRITE_SCOPES = {"gadget.polish": "1/m"}
    client = client_for(UserFactory())
    assert _post(client, "/api/v1/gadgets/1/polish/").status_code == 200
    assert _post(client, "/api/v1/gadgets/1/polish/").status_code == 429
    assert _post(client).status_code == 201


@NEW_ENDPOINT
def test_anonymous_writes_are_refused_before_they_are_counted(settings):
    settings.RATELIMIT_WRITES = "1/m"
    anon = client_for(None)
    assert [_post(anon).status_code for _ in range(3)] == [401, 401, 401]


@pytest.mark.parametrize(
    "make_request",
    [
        pytest.param(lambda client, other, room, post: client.post(f"/api/v1/users/{other.id}/follow/"), id="follow"),
        pytest.param(lambda client, other, room, post: client.post("/api/v1/rooms/", {"name": "x"}), id="room"),
        pytest.param(
            lambda client, other, room, post: client.post(f"/api/v1/posts/{post.id}/comments/", {"content": "hi"}),
            id="comment",
        ),
        pytest.param(
            lambda client, other, room, post: client.post(f"/api/v1/posts/{post.id}/vote/", {"value": 1}), id="vote"
        ),
    ],
)
def test_existing_writes_are_rate_limited(settings, make_request):
    from tests.factories import PostFactory, RoomFactory

    settings.RATELIMIT_WRITES = "2/m"
    me, other = UserFactory(), UserFactory()
    client = client_for(me)
    room, post = RoomFactory(), PostFactory()
    answers = [make_request(client, other, room, post).status_code for _ in range(3)]
    assert answers[0] < 300 and answers[2] == 429, answers


def test_chat_and_posts_keep_their_own_limits(settings):
    """RATELIMIT_POSTS / RATELIMIT_CHAT still decide for post creation and chat sends, not RATELIMIT_WRITES."""
    from tests.factories import RoomFactory

    settings.RATELIMIT_WRITES = "1/m"
    settings.RATELIMIT_POSTS = "3/m"
    settings.RATELIMIT_CHAT = "3/10s"
    me = UserFactory()
    client = client_for(me)
    posts = [client.post("/api/v1/posts/", {"title": f"t{n}", "content": "c"}).status_code for n in range(4)]
    assert posts == [201, 201, 201, 429]
    room = RoomFactory(creator=me)
    client.post(f"/api/v1/rooms/{room.id}/join/")
    sends = [client.post(f"/api/v1/rooms/{room.id}/messages/", {"content": f"m{n}"}).status_code for n in range(4)]
    assert sends == [201, 201, 201, 429]


# --- deprecation headers -------------------------------------------------------------------------

DEPRECATION = {"v1": {"deprecation": "2026-12-01T00:00:00Z", "sunset": "2027-06-30", "successor": "/api/v2/"}}


def test_a_deprecated_version_says_so_on_every_answer(settings, anon_client):
    settings.API_DEPRECATIONS = DEPRECATION
    for url in ("/api/v1/rooms/", "/api/v1/no-such-thing/"):
        response = anon_client.get(url)
        assert response["Deprecation"] == "@1796083200"  # RFC 9745: a structured-field date
        assert response["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"  # RFC 8594: an HTTP-date
        assert response["Link"] == '<http://testserver/api/v2/>; rel="successor-version"'
    assert not anon_client.get("/healthz").has_header("Deprecation")


def test_versions_are_not_deprecated_unless_configured(anon_client):
    response = anon_client.get("/api/v1/rooms/")
    assert not response.has_header("Deprecation") and not response.has_header("Sunset")


def test_schema_marks_a_deprecated_versions_operations(settings, anon_client):
    settings.API_DEPRECATIONS = DEPRECATION
    schema = anon_client.get("/api/schema/?format=json").json()
    assert schema["paths"]["/api/v1/rooms/"]["get"]["deprecated"] is True


def test_a_bad_deprecation_setting_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    from api.deprecation import parse_deprecations

    with pytest.raises(ImproperlyConfigured):
        parse_deprecations({"v1": {"sunset": "2027-01-01"}})
    with pytest.raises(ImproperlyConfigured):
        parse_deprecations({"v1": {"deprecation": "someday"}})


# --- every error documented ----------------------------------------------------------------------

WRITE_ERRORS = {"400", "401", "403", "409", "413", "429"}


def _operations(schema):
    for url, item in schema["paths"].items():
        for method, operation in item.items():
            yield url, method, operation


def _resolve(schema, node):
    ref = node.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


def test_every_operation_documents_its_error_answers(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    checked = 0
    for url, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = set()
        if method in ("post", "put", "patch", "delete"):
            expected |= WRITE_ERRORS
            if not any(operation.get("security", [])) and "auth/" not in url:
                expected.discard("401")  # no authentication at all (webhook, unsubscribe link)
            if "requestBody" in operation:
                expected.add("415")
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        assert expected <= set(responses), f"{method.upper()} {url} lacks {expected - set(responses)}"
        for code in set(responses) - {"200", "201", "202", "204", "205"}:
            body = responses[code]["content"]["application/json"]["schema"]
            assert _resolve(schema, body), f"{method.upper()} {url} {code} has no body schema"
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"]
            assert _resolve(schema, responses["429"]["content"]["application/json"]["schema"])["required"] == [
                "detail",
                "retry_after",
            ]
        checked += 1
    assert checked > 50


def test_login_documents_401_for_bad_credentials(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    assert "401" in schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]


@NEW_ENDPOINT
def test_a_new_endpoint_is_documented_without_any_work():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["paths"]["/api/v1/gadgets/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "413", "415", "429"} <= set(create)
    polish = schema["paths"]["/api/v1/gadgets/{id}/polish/"]["post"]["responses"]
    assert {"404", "429"} <= set(polish)
    assert schema["components"]["schemas"]["RateLimited"]["required"] == ["detail", "retry_after"]


# --- Content-Security-Policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/rooms/", "/api/v1/no-such-thing/", "/api/docs/", "/api/redoc/", "/admin/login/"]
)
def test_every_response_carries_the_content_security_policy(anon_client, url):
    policy = anon_client.get(url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline script, nothing remote
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_docs_pages_have_no_inline_script(anon_client):
    import re

    for url in ("/api/docs/", "/api/redoc/"):
        html = anon_client.get(url).content.decode()
        inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]
        assert inline == [], (url, inline)
    script = anon_client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
