"""The pure bootstrap plan: every problem found at once, import YAML by role, the route menu's ranking."""

from __future__ import annotations

import pytest
import yaml

from zcp.errors import InvalidParameter, WorkflowActive
from zcp.workflow.bootstrap_plan import PlanTargetIn, import_yaml_for, plan_attestation, validate_plan
from zcp.workflow.routes import KnownService, RecipeCard, route_options, score_recipe

CATALOGUE = frozenset({"nodejs@22", "python@3.12", "go@1", "postgresql@16", "valkey@7.2", "object-storage"})


def target(**runtime: object) -> PlanTargetIn:
    deps = runtime.pop("deps", [])
    return PlanTargetIn.model_validate({"runtime": runtime, "dependencies": deps})


def test_a_valid_standard_plan_defaults_managed_modes_to_non_ha() -> None:
    plan = validate_plan(
        [
            target(
                devHostname="appdev",
                type="nodejs@22",
                bootstrapMode="standard",
                stageHostname="appstage",
                deps=[{"hostname": "db", "type": "postgresql@16", "resolution": "CREATE"}],
            )
        ],
        catalogue=CATALOGUE,
        live={},
    )
    assert plan.defaulted == ("db",)
    assert plan.targets[0].dependencies[0].mode == "NON_HA"
    assert "db (postgresql@16, NON_HA, CREATE) [defaulted]" in plan_attestation(plan)


@pytest.mark.parametrize(
    ("plan", "live", "fragment"),
    [
        ([target(devHostname="App", type="nodejs@22", bootstrapMode="dev")], {}, "not a valid hostname"),
        ([target(devHostname="a" * 26, type="nodejs@22", bootstrapMode="dev")], {}, "not a valid hostname"),
        ([target(devHostname="app", type="nodejs@99", bootstrapMode="dev")], {}, "available: nodejs@22"),
        ([target(devHostname="app", type="postgresql@16", bootstrapMode="dev")], {}, "managed service"),
        ([target(devHostname="app", type="nodejs@22", bootstrapMode="standard")], {}, "stage hostname"),
        (
            [target(devHostname="app", type="nodejs@22", bootstrapMode="dev", stageHostname="x")],
            {},
            "only standard",
        ),
        (
            [target(devHostname="app", type="nodejs@22", bootstrapMode="dev")],
            {"app": "nodejs@22"},
            "isExisting: true",
        ),
        (
            [target(devHostname="app", type="nodejs@22", bootstrapMode="dev", isExisting=True)],
            {},
            "does not exist",
        ),
        (
            [target(devHostname="app", type="go@1", bootstrapMode="dev", isExisting=True)],
            {"app": "nodejs@22"},
            "runs nodejs@22",
        ),
        (
            [
                target(
                    devHostname="app",
                    type="nodejs@22",
                    bootstrapMode="dev",
                    deps=[{"hostname": "db", "type": "postgresql@16", "resolution": "CREATE"}],
                )
            ],
            {"db": "postgresql@16"},
            "use resolution EXISTS",
        ),
        (
            [
                target(
                    devHostname="app",
                    type="nodejs@22",
                    bootstrapMode="dev",
                    deps=[{"hostname": "db", "type": "postgresql@16", "resolution": "SHARED"}],
                )
            ],
            {},
            "SHARED needs",
        ),
        (
            [
                target(devHostname="app", type="nodejs@22", bootstrapMode="dev"),
                target(devHostname="app", type="nodejs@22", bootstrapMode="dev"),
            ],
            {},
            "already used",
        ),
    ],
)
def test_each_invalid_plan_names_its_problem(
    plan: list[PlanTargetIn], live: dict[str, str], fragment: str
) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_plan(plan, catalogue=CATALOGUE, live=live)
    assert fragment in raised.value.message


def test_an_existing_dev_half_may_gain_a_new_stage() -> None:
    plan = [
        target(
            devHostname="appdev",
            type="nodejs@22",
            bootstrapMode="standard",
            stageHostname="appstage",
            isExisting=True,
        )
    ]
    validate_plan(plan, catalogue=CATALOGUE, live={"appdev": "nodejs@22"})
    created = yaml.safe_load(import_yaml_for(plan, {"appdev": "nodejs@22"}) or "")
    assert [s["hostname"] for s in created["services"]] == ["appstage"]


def test_a_hostname_another_live_session_plans_is_locked() -> None:
    with pytest.raises(WorkflowActive):
        validate_plan(
            [target(devHostname="app", type="nodejs@22", bootstrapMode="dev")],
            catalogue=None,
            live={},
            locks={"app": "session x"},
        )


def test_the_import_yaml_sets_the_properties_of_each_role_and_creates_managed_services_first() -> None:
    plan = [
        target(
            devHostname="apidev",
            type="go@1",
            bootstrapMode="standard",
            stageHostname="apistage",
            deps=[
                {"hostname": "db", "type": "postgresql@16", "resolution": "CREATE", "mode": "HA"},
                {"hostname": "files", "type": "object-storage", "resolution": "CREATE"},
            ],
        ),
        target(devHostname="worker", type="python@3.12", bootstrapMode="simple"),
    ]
    services = yaml.safe_load(import_yaml_for(plan, {}) or "")["services"]
    by_host = {s["hostname"]: s for s in services}
    assert [s["hostname"] for s in services][:2] == ["db", "files"]
    assert by_host["db"] == {"hostname": "db", "type": "postgresql:ha@16", "priority": 10}  # the 2026 form
    assert "mode" not in by_host["files"] and by_host["files"]["objectStorageSize"] == 2
    assert by_host["apidev"]["startWithoutCode"] and by_host["apidev"]["maxContainers"] == 1
    assert by_host["apidev"]["verticalAutoscaling"] == {"minRam": 1}  # Go compiles
    assert by_host["apistage"] == {"hostname": "apistage", "type": "go@1", "enableSubdomainAccess": True}
    assert by_host["worker"]["startWithoutCode"] and "maxContainers" not in by_host["worker"]
    assert import_yaml_for(plan, dict.fromkeys(by_host, "x")) is None


RECIPES = [
    RecipeCard(
        "django",
        "Django",
        "Django on python",
        "python@3.12",
        frameworks=("django",),
        languages=("python",),
        services=("postgresql@16",),
    ),
    RecipeCard(
        "express",
        "Express",
        "Express on node",
        "nodejs@22",
        frameworks=("express",),
        tags=("api",),
        languages=("javascript",),
        services=("postgresql@16", "valkey@7.2"),
    ),
]


def test_recipes_score_by_name_then_framework_then_language() -> None:
    framework = RecipeCard(
        "pyweb", "Py", "a python web app", "python@3.12", frameworks=("django",), languages=("python",)
    )
    assert score_recipe("django", RECIPES[0]) == 1.0
    assert score_recipe("a django site", framework) == 0.95
    assert score_recipe("a python thing", framework) == 0.85
    assert score_recipe("an api", RECIPES[1]) == 0.6


def test_the_menu_ranks_resume_adopt_recipes_classic_then_incomplete_recipes() -> None:
    services = [
        KnownService("old", "nodejs@22", "incomplete", "abcdef0123456789"),
        KnownService("web", "php-nginx@8.4"),
        KnownService("db", "postgresql@16"),
    ]
    options = route_options("django with postgres and redis", services, RECIPES)
    assert [o.route for o in options] == ["resume", "adopt", "classic", "recipe"]
    assert options[-1].fit == "incomplete" and options[-1].fit_missing == ("valkey",)
    assert options[1].adopt_services == ("web",)


def test_a_recipe_on_another_language_than_the_one_asked_for_is_not_offered() -> None:
    options = route_options("python api with postgres and valkey", [], RECIPES)
    assert "express" not in [o.recipe_slug for o in options]
