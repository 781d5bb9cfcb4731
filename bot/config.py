"""Configuration from the environment and `.env` (pydantic-settings).

Every setting is listed in `.env.example` and in the README. A wrong value stops start-up
with one line per problem naming the variable and what is expected (exit code 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.context import District

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{4,}$")
_DISTRICT = re.compile(r"^(\d{2}\.\d{2})[:=]([A-Z]{2,5})$")

BOTFATHER_HELP = (
    "TELEGRAM_BOT_TOKEN: not set. Create a bot by messaging @BotFather in Telegram (/newbot), "
    "put the token it gives you in .env as TELEGRAM_BOT_TOKEN=..., then run `make run` again. "
    "To try psm-bot without a token, run `make demo`."
)


class ConfigError(Exception):
    """Start-up cannot go on; `problems` holds one line per wrong setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    """All settings; names are the environment variables in upper case."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str = "https://api.telegram.org/file/bot"
    telegram_poll_timeout: int = Field(default=30, ge=0, le=50)
    send_rate_overall: float = Field(default=30.0, gt=0, le=1000)
    send_rate_per_chat: float = Field(default=1.0, gt=0, le=100)
    database_path: Path = Path("data/psm.db")
    media_path: Path = Path("data/media")
    admin_telegram_ids: str = ""
    timezone: str = "Asia/Jakarta"
    default_language: Literal["id", "en"] = "id"
    districts: str = "32.08:KNG,35.23:TBN"
    draft_ttl_days: int = Field(default=14, ge=3, le=365)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError("expected the token from @BotFather, like 123456789:AAE...")
        return value

    @field_validator("telegram_api_base_url", "telegram_file_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s) URL, like https://api.telegram.org/bot")
        return value

    @field_validator("admin_telegram_ids")
    @classmethod
    def _admins(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and not part.strip().isdigit():
                raise ValueError(f"expected comma-separated Telegram user ids, got {part!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"expected an IANA time zone like Asia/Jakarta, got {value!r}"
            ) from exc
        return value

    @field_validator("districts")
    @classmethod
    def _districts(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise ValueError("expected at least one district, like 32.08:KNG")
        for part in parts:
            if not _DISTRICT.match(part):
                raise ValueError(
                    f"expected kabupaten code and case-number prefix like 32.08:KNG, got {part!r}"
                )
        return value

    @property
    def admin_telegram_id_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.admin_telegram_ids.split(",") if p.strip())

    @property
    def district_list(self) -> list[District]:
        result = []
        for part in self.districts.split(","):
            match = _DISTRICT.match(part.strip())
            if match:
                result.append(District(code=match[1], prefix=match[2]))
        return result

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigError with one line per problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "SETTINGS"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError(problems) from None


def require_channel(settings: Settings) -> None:
    """`run` needs at least one channel configured."""
    if not settings.telegram_enabled:
        raise ConfigError([BOTFATHER_HELP])
