"""The dependency rules of the design, checked on the source so a stray import fails the build."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_APPS = ["users", "rooms", "posts", "projects"]
LISTENER_APPS = ["notifications", "gamification"]
ALL_APPS = CORE_APPS + LISTENER_APPS


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(*folders: str):
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def top_level(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("app", CORE_APPS)
def test_core_apps_never_import_listeners(app):
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(app)
        for module in imported_modules(path)
        if top_level(module) in LISTENER_APPS
    }
    assert not offenders, f"{app} must announce with its own signals, not import listeners: {sorted(offenders)}"


def test_users_imports_no_other_app():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("users")
        for module in imported_modules(path)
        if top_level(module) in ALL_APPS and top_level(module) != "users"
    }
    assert not offenders, sorted(offenders)


def test_gamification_never_imports_notifications():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("gamification")
        for module in imported_modules(path)
        if top_level(module) == "notifications"
    }
    assert not offenders, sorted(offenders)


def test_api_kit_and_realtime_import_no_app():
    kit = [p for p in python_files("api") if p.name != "urls.py"] + [ROOT / "codenest" / "realtime.py"]
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in kit
        for module in imported_modules(path)
        if top_level(module) in ALL_APPS
    }
    assert not offenders, sorted(offenders)


def test_api_urls_imported_only_by_project_urls():
    importers = set()
    for path in ROOT.rglob("*.py"):
        if {".venv", "tests"} & set(path.relative_to(ROOT).parts):
            continue
        source = path.read_text(errors="replace")
        if "api.urls" in source or "api import urls" in source:
            importers.add(str(path.relative_to(ROOT)))
    assert importers <= {"codenest/urls.py", "api/urls.py"}, importers


# --- uploads (issue 11): users <- uploads <- rooms, posts; codenest/media.py knows no app ------


def test_uploads_imports_only_users():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("uploads")
        for module in imported_modules(path)
        if top_level(module) in ALL_APPS and top_level(module) != "users"
    }
    assert not offenders, sorted(offenders)


def test_core_apps_below_uploads_never_import_it():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("users")
        for module in imported_modules(path)
        if top_level(module) == "uploads"
    }
    assert not offenders, sorted(offenders)


def test_media_pipeline_imports_no_app():
    path = ROOT / "codenest" / "media.py"
    offenders = {module for module in imported_modules(path) if top_level(module) in [*ALL_APPS, "uploads"]}
    assert not offenders, sorted(offenders)


# rooms sits below the apps that use its chat (projects, events, hackathons): they add their slash
# commands to rooms.commands from their AppConfig.ready(), so rooms never imports them.
APPS_ABOVE_ROOMS = ["posts", "projects", "events", "hackathons"]


def test_rooms_imports_no_app_built_on_it():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("rooms")
        for module in imported_modules(path)
        if top_level(module) in APPS_ABOVE_ROOMS
    }
    assert not offenders, sorted(offenders)


# --- events (wave 2): above users, rooms and projects; below the listeners ----------------------

EVENTS_MAY_IMPORT = {"users", "rooms", "projects", "events"}


def test_events_imports_only_the_apps_below_it():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("events")
        for module in imported_modules(path)
        if top_level(module) in {*ALL_APPS, "posts", "hackathons", "uploads"} - EVENTS_MAY_IMPORT
    }
    assert not offenders, f"events may import only {sorted(EVENTS_MAY_IMPORT)}: {sorted(offenders)}"


def test_events_never_imports_listeners():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("events")
        for module in imported_modules(path)
        if top_level(module) in LISTENER_APPS
    }
    assert not offenders, f"events announces with events.signals: {sorted(offenders)}"


@pytest.mark.parametrize("app", ["users", "posts", "projects"])
def test_apps_below_events_never_import_it(app):
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(app)
        for module in imported_modules(path)
        if top_level(module) == "events"
    }
    assert not offenders, sorted(offenders)


# --- hackathons (wave 2): above users, rooms and projects; below the listeners -----------------

HACKATHONS_MAY_IMPORT = {"users", "rooms", "projects", "hackathons"}


def test_hackathons_imports_only_the_apps_below_it():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("hackathons")
        for module in imported_modules(path)
        if top_level(module) in {*ALL_APPS, "posts", "events", "uploads"} - HACKATHONS_MAY_IMPORT
    }
    assert not offenders, f"hackathons may import only {sorted(HACKATHONS_MAY_IMPORT)}: {sorted(offenders)}"


def test_hackathons_never_imports_listeners():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files("hackathons")
        for module in imported_modules(path)
        if top_level(module) in LISTENER_APPS
    }
    assert not offenders, f"hackathons announces with hackathons.signals: {sorted(offenders)}"


@pytest.mark.parametrize("app", ["users", "rooms", "posts", "projects", "events"])
def test_apps_below_hackathons_never_import_it(app):
    if not (ROOT / app).is_dir():
        pytest.skip(f"no {app} app")
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in python_files(app)
        for module in imported_modules(path)
        if top_level(module) == "hackathons"
    }
    assert not offenders, sorted(offenders)


def service_and_selector_modules() -> list[str]:
    paths = [*ROOT.glob("*/services.py"), *ROOT.glob("*/selectors.py")]
    paths += [*ROOT.glob("*/*/services.py"), *ROOT.glob("*/*/selectors.py")]
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in paths
        if not {".venv", "tests"} & set(path.relative_to(ROOT).parts)
    )


@pytest.mark.parametrize("module_name", service_and_selector_modules())
def test_services_and_selectors_are_fully_annotated(module_name):
    """Every parameter and return type of every function they define, private helpers included: what
    a caller may pass (a User, or an anonymous Viewer too?) is read from the signature, and mypy checks
    only the bodies of annotated functions."""
    module = importlib.import_module(module_name)
    missing = []
    for name, function in vars(module).items():
        if not inspect.isfunction(function) or function.__module__ != module_name:
            continue
        signature = inspect.signature(function)  # follows functools.wraps (transaction.atomic)
        missing += [
            f"{name}({parameter.name})"
            for parameter in signature.parameters.values()
            if parameter.annotation is inspect.Parameter.empty
        ]
        if signature.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} -> ?")
    assert not missing, f"{module_name}: annotate {missing}"


# --- the domain speaks Django, the API speaks DRF (issue 17) -----------------------------------
# Services, selectors and the modules they build on are called by views, consumers, tasks and admin
# actions alike: they raise Django's ValidationError / PermissionDenied or codenest.errors, and
# api/exceptions.py maps those to statuses. Only the interface modules (views, serializers, urls,
# consumers, pagination, avatars' view) know DRF; api.params is plain parsing and imports no DRF.
DOMAIN_MODULES = {
    "services.py",
    "selectors.py",
    "models.py",
    "rules.py",
    "commands.py",
    "permissions.py",
    "signals.py",
    "receivers.py",
    "tasks.py",
    "access.py",
    "previews.py",
    "github.py",
    "live.py",
}
DOMAIN_APPS = [*ALL_APPS, "uploads", "events", "hackathons"]


def _domain_files():
    for path in python_files(*DOMAIN_APPS):
        if path.name in DOMAIN_MODULES or "services" in path.parent.name or "selectors" in path.parent.name:
            yield path


def test_domain_modules_never_import_drf():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in _domain_files()
        for module in imported_modules(path)
        if top_level(module) == "rest_framework"
        or (top_level(module) == "api" and module.split(".")[:2] != ["api", "params"])
    }
    assert not offenders, f"raise Django's or codenest.errors' exceptions, not DRF's: {sorted(offenders)}"


def test_domain_modules_are_checked():
    names = {path.relative_to(ROOT).as_posix() for path in _domain_files()}
    assert {"rooms/services.py", "rooms/selectors.py", "rooms/conversations/selectors.py", "users/github.py"} <= names


def test_shared_modules_of_the_domain_import_no_drf():
    for path in [ROOT / "api" / "params.py", ROOT / "codenest" / "errors.py", *(ROOT / "listing").glob("*.py")]:
        offenders = {module for module in imported_modules(path) if top_level(module) == "rest_framework"}
        assert not offenders, f"{path.relative_to(ROOT)}: {sorted(offenders)}"
