"""Request bodies the client sends, with the exact wire names.

The Go SDK never omits keys: unset nullable fields travel as ``null``. These models do the same
(:meth:`WireModel.to_wire`), so a server that insists on every key — or an emulator checking shapes —
sees what the real CLI sends.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zcp.platform.models import CustomAutoscaling, WireModel

__all__ = [
    "AutoscalingRequest",
    "EnvFileRequest",
    "ImportRequest",
    "ProjectEnvCreate",
    "SearchFilter",
    "SearchItem",
    "SharedStorageAction",
    "SortItem",
    "ZeropsYamlValidation",
]


class SearchItem(WireModel):
    name: str
    operator: str = "eq"
    value: str


class SortItem(WireModel):
    name: str
    ascending: bool | None = None


class SearchFilter(WireModel):
    """``EsFilter``: the body of every ``…/search`` call."""

    search: list[SearchItem] = Field(default_factory=list)
    sort: list[SortItem] = Field(default_factory=list)
    offset: int | None = None
    limit: int | None = None
    text: str | None = None
    subscription_name: str | None = None
    receiver_id: str | None = None

    @classmethod
    def by_client(
        cls, client_id: str, *, newest_first: bool = False, limit: int | None = None, **extra: str
    ) -> SearchFilter:
        """``clientId eq <id>`` plus optional ``field eq value`` pairs, optionally newest first."""
        items = [SearchItem(name="clientId", value=client_id)]
        items.extend(SearchItem(name=name, value=value) for name, value in extra.items())
        sort = [SortItem(name="created", ascending=False)] if newest_first else []
        return cls(search=items, sort=sort, limit=limit)


class SharedStorageAction(WireModel):
    shared_storage_id: str


class AutoscalingRequest(WireModel):
    """``PUT /service-stack/{id}/autoscaling``; ``mode`` repeats the service's current mode."""

    mode: str | None = None
    custom_autoscaling: CustomAutoscaling | None = None


class EnvFileRequest(WireModel):
    env_file: str


class ProjectEnvCreate(WireModel):
    key: str
    content: str
    sensitive: bool = False


class ImportRequest(WireModel):
    yaml: str
    recipe_source: str | None = None
    recipe_source_url: str | None = None


class ZeropsYamlValidation(WireModel):
    """``POST /service-stack/zerops-yaml-validation``: the first four fields must be non-empty."""

    service_stack_name: str
    service_stack_type_id: str
    service_stack_type_version_name: str
    zerops_yaml: str
    operation: Literal["BUILD_AND_DEPLOY", "DEPLOY"] = "BUILD_AND_DEPLOY"
    zerops_yaml_setup: str | None = None
