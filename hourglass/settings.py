"""Typed settings read from the environment and from a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hourglass.errors import ConfigError

S = TypeVar("S", bound=BaseSettings)

_COMMON = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class DatabaseSettings(BaseSettings):
    """Where the data lives. Without DATABASE_URL the embedded PostgreSQL is used."""

    model_config = _COMMON

    database_url: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    analytics_database_url: SecretStr | None = Field(
        default=None, validation_alias="ANALYTICS_DATABASE_URL"
    )

    @field_validator("database_url", "analytics_database_url")
    @classmethod
    def _postgres_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith(("postgres://", "postgresql://")):
            raise ValueError("must start with postgresql:// (for example postgresql://host/db)")
        return value


class EmbeddedSettings(BaseSettings):
    """The embedded PostgreSQL server used when no DATABASE_URL is set."""

    model_config = SettingsConfigDict(**_COMMON, env_prefix="HOURGLASS_DB_")

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("hourglass")) / "postgres"
    )
    port: int = Field(default=54329, ge=1024, le=65535)


class RetentionSettings(BaseSettings):
    """How long raw and rolled-up series are kept, in days; applied by `hourglass migrate`."""

    model_config = SettingsConfigDict(**_COMMON, env_prefix="HOURGLASS_RETENTION_")

    performance_metrics_days: int = Field(default=30, ge=1, le=3650)
    metrics_1m_days: int = Field(default=90, ge=1, le=3650)
    user_actions_days: int = Field(default=400, ge=1, le=3650)

    def horizons(self) -> dict[str, int]:
        """Relation name to horizon in days."""
        return {
            "performance_metrics": self.performance_metrics_days,
            "metrics_1m": self.metrics_1m_days,
            "user_actions": self.user_actions_days,
        }


class BotSettings(BaseSettings):
    """The Discord side. The token has no default on purpose: without it, start-up fails."""

    model_config = _COMMON

    discord_token: SecretStr = Field(validation_alias="DISCORD_TOKEN")
    spool_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("hourglass")) / "spool",
        validation_alias="HOURGLASS_SPOOL_DIR",
    )
    checkpoint_seconds: float = Field(
        default=60.0, ge=1.0, le=600.0, validation_alias="HOURGLASS_CHECKPOINT_SECONDS"
    )
    pool_size: int = Field(default=10, ge=2, le=100, validation_alias="HOURGLASS_POOL_SIZE")
    # Where the Discord REST API lives; only tests against a local double change it.
    discord_api_base: str | None = Field(default=None, validation_alias="DISCORD_API_BASE")

    @field_validator("discord_token")
    @classmethod
    def _plausible_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token or any(c.isspace() for c in token):
            raise ValueError("must be the bot token from the Discord developer portal")
        return SecretStr(token)


def load(cls: type[S], **overrides: Any) -> S:
    """Builds a settings class, turning validation failures into one readable ConfigError."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or cls.__name__
            problems.append(f"{_env_name(cls, name)}: {error['msg']}")
        raise ConfigError("invalid setting " + "; ".join(problems)) from None


def _env_name(cls: type[BaseSettings], field: str) -> str:
    info = cls.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias
    prefix = cls.model_config.get("env_prefix", "") or ""
    return (prefix + field).upper()


class MonitoringSettings(BaseSettings):
    """Where the bot's own metrics and alerts go, and the scaling thresholds it watches."""

    model_config = SettingsConfigDict(**_COMMON, env_prefix="HOURGLASS_")

    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9108, ge=0, le=65535)  # 0 turns /metrics off
    alert_discord_webhook: SecretStr | None = None
    alert_slack_webhook: SecretStr | None = None
    alert_channel_id: int | None = Field(default=None, gt=0)
    # Webhooks on this machine (http://127.0.0.1:...) are refused unless this is set,
    # for a local relay or for tests.
    allow_local_webhooks: bool = False
    max_concurrent_users: float = Field(default=35, gt=0)
    min_cache_hit_rate: float = Field(default=0.70, ge=0, le=1)
    max_query_ms: float = Field(default=100, gt=0)
    max_pool_use: float = Field(default=0.80, gt=0, le=1)
    max_error_rate: float = Field(default=0.05, gt=0, le=1)
    p95_regression_factor: float = Field(default=1.5, gt=1)
    operator_ids: list[int] = Field(default_factory=list)

    @field_validator("alert_discord_webhook", "alert_slack_webhook", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value
