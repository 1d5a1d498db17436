"""Typed settings: defaults < ringback.toml < RINGBACK_* environment < command-line flags."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

CONFIG_ENV = "RINGBACK_CONFIG"


class Settings(BaseSettings):
    """Everything an operator can set; see docs/operations.md."""

    model_config = SettingsConfigDict(env_prefix="RINGBACK_", extra="forbid")

    database_url: str = "sqlite:///./ringback.db"
    host: str = "127.0.0.1"
    port: int = Field(default=9000, ge=1, le=65535)
    admin_password: SecretStr | None = None
    api_token: SecretStr | None = None
    demo: bool = False
    dispatcher: bool = True
    #: client addresses trusted without credentials by the UCCX and GMS dialects
    trusted_hosts: list[str] = Field(default_factory=list)
    #: lifetime of user tokens from POST /api/v1/auth/token
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    #: the server's time zone, in which UCCX dates are shown
    timezone: str = "UTC"
    #: the largest request body accepted, in bytes
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    #: a cheap password hash, for tests and demos only
    fast_password_hash: bool = False
    db_pool_size: int = Field(default=5, ge=1)

    # The dispatcher (ARCHITECTURE.md §3): lease and heartbeat, caps, timeouts.
    lease_seconds: float = Field(default=30.0, gt=0)
    heartbeat_seconds: float = Field(default=10.0, gt=0)
    sweep_seconds: float = Field(default=5.0, gt=0)
    poll_seconds: float = Field(default=0.2, gt=0)
    dial_timeout_seconds: float = Field(default=10.0, gt=0)
    offer_timeout_seconds: float = Field(default=3600.0, gt=0)
    max_in_flight: int = Field(default=100, ge=1)
    max_dials_per_second: float = Field(default=0.0, ge=0)
    shutdown_grace_seconds: float = Field(default=8.0, ge=0)

    # Telephony adapters.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    simulator_agents_per_queue: int = Field(default=3, ge=0)
    simulator_answer_rate: float = Field(default=0.8, ge=0, le=1)
    simulator_busy_rate: float = Field(default=0.1, ge=0, le=1)
    simulator_ring_seconds: float = Field(default=2.0, ge=0)
    simulator_handle_seconds: float = Field(default=20.0, ge=0)

    # The UCCX adapter.
    #: how long a UCCX callback whose caller is still queued live waits before the next look-up
    uccx_recheck_seconds: float = Field(default=10.0, gt=0)

    # XiVO config-mgt.
    #: where the dissuasion sound files are (names `<queue name>_*`, extension ignored)
    xivo_sounds_dir: str = "/var/lib/xivo/sounds/playback"
    #: the queue offered to every queue as a dissuasion destination (XiVO's custom.env)
    xivo_default_dissuasion_queue: str | None = None
    #: the largest callback-request CSV import, in bytes and in data lines
    xivo_csv_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    xivo_csv_max_lines: int = Field(default=20000, ge=1)

    # xuc 2.0 REST.
    #: HS256 secret of xuc tokens (>= 32 characters); unset: generated once, kept in the database
    xuc_jwt_secret: SecretStr | None = None
    #: lifetime of a xuc token, in seconds
    xuc_token_ttl_seconds: int = Field(default=3600, ge=60)
    #: failed xuc logins allowed per account, and per client address, within the window
    xuc_login_failures_per_account: int = Field(default=5, ge=1)
    xuc_login_failures_per_address: int = Field(default=20, ge=1)
    xuc_login_failure_window_seconds: int = Field(default=900, ge=1)
    #: OpenID Connect: access tokens (RS256) from this issuer, for this audience
    xuc_oidc_enabled: bool = False
    xuc_oidc_issuer: str | None = None
    xuc_oidc_audience: str | None = None
    #: the keys: a JWKS URL (fetched and cached) or a PEM public key
    xuc_oidc_jwks_url: str | None = None
    xuc_oidc_public_key: str | None = None
    xuc_oidc_jwks_cache_seconds: int = Field(default=300, ge=0)
    #: the claim naming the ringback user
    xuc_oidc_login_claim: str = "preferred_username"
    xuc_oidc_leeway_seconds: int = Field(default=30, ge=0)
    #: CAS server base URL (its /serviceValidate is called); unset: CAS disabled
    xuc_cas_server_url: str | None = None
    #: SSO through a front proxy: the header carrying the login, and the proxies trusted to set it
    xuc_sso_enabled: bool = False
    xuc_sso_header: str = "X-Remote-User"
    xuc_sso_proxies: list[str] = Field(default_factory=list)

    # xuc 1.0 phones and events.
    #: client addresses allowed to use the deprecated xuc 1.0 APIs (xuc's DEPRECATED_API_HOST)
    deprecated_api_hosts: list[str] = Field(default_factory=list)
    #: xuc's eventUrl: where xuc events (PhoneEvent, callback events...) are POSTed; unset: none
    xuc_event_url: str | None = None
    #: signs each event POST like the webhooks (X-Ringback-Signature); unset: unsigned
    xuc_event_secret: SecretStr | None = None
    #: the region whose international access code xuc's dial recognises (00, 011...)
    xuc_default_region: str = Field(default="FR", min_length=2, max_length=2)
    #: the line number given to the first user that uses a phone API; later ones count up
    xuc_first_line: int = Field(default=1000, ge=1)
    #: how long the simulated phones ring before giving up
    xuc_no_answer_seconds: float = Field(default=15.0, ge=0)

    # Ameyo.
    #: lifetime of an Ameyo sessionId from POST /ameyorestapi/session/userLogin
    ameyo_session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    #: failed Ameyo logins of one userId that lock it out for ameyo_login_lockout_seconds
    ameyo_max_failed_logins: int = Field(default=5, ge=1)
    ameyo_login_lockout_seconds: int = Field(default=300, ge=1)

    @model_validator(mode="after")
    def _dial_timeout_below_lease(self) -> Settings:
        if self.dial_timeout_seconds >= self.lease_seconds:
            raise ValueError("dial_timeout_seconds must be below lease_seconds")
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be below lease_seconds")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by RINGBACK_CONFIG (set by load_settings from --config)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = os.environ.get(CONFIG_ENV)
        self._data: dict[str, Any] = _read_toml(Path(path)) if path else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ValueError(f"configuration file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"configuration file {path} is not valid TOML: {exc}") from exc


def load_settings(config_file: Path | None = None, **flags: Any) -> Settings:
    """Build settings from every layer; flags left as None do not override anything."""
    if config_file is not None:
        os.environ[CONFIG_ENV] = str(config_file)
    given = {name: value for name, value in flags.items() if value is not None}
    return Settings(**given)
