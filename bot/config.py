"""Configuration from the environment and `.env` (pydantic-settings).

Every setting is listed in `.env.example` and in the README. A wrong value stops start-up
with one line per problem naming the variable and what is expected (exit code 2).
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.context import District
from handlers.identifiers import IdentifierError, parse_phone
from handlers.quiet_hours import sending_time

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{4,}$")
_DISTRICT = re.compile(r"^(\d{2}\.\d{2})[:=]([A-Z]{2,5})$")
_CLOCK_TIME = r"([01]\d|2[0-3]):[0-5]\d"  # a local time of day, 00:00 to 23:59

BOTFATHER_HELP = (
    "TELEGRAM_BOT_TOKEN: not set. Create a bot by messaging @BotFather in Telegram (/newbot), "
    "put the token it gives you in .env as TELEGRAM_BOT_TOKEN=..., then run `make run` again. "
    "To try psm-bot without a token, run `make demo`."
)


def _phone(text: str, *, mobile_only: bool = True) -> str:
    """One Indonesian number of a setting as E.164 (the same rule as a number in a chat),
    or ValueError naming what was given."""
    try:
        return parse_phone(text, mobile_only=mobile_only)
    except IdentifierError:
        kind = "mobile number" if mobile_only else "phone number"
        raise ValueError(
            f"expected an Indonesian {kind} like 081234567890 or 6281234567890,"
            f" got {text.strip()!r}"
        ) from None


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
    # Telegram's pace (and the demo's): messages per second in all and per chat.
    send_rate_overall: float = Field(default=30.0, gt=0, le=1000)
    send_rate_per_chat: float = Field(default=1.0, gt=0, le=100)
    database_path: Path = Path("data/psm.db")
    media_path: Path = Path("data/media")
    # The key of the NIK hashes in the audit log, kept out of the database and its backups
    # (bot/audit_key.py): given here (64 hex digits), or in a file (default: beside the
    # database, `<DATABASE_PATH>.audit-key`), made at first start.
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    admin_telegram_ids: str = ""
    timezone: str = "Asia/Jakarta"
    default_language: Literal["id", "en"] = "id"
    districts: str = "32.08:KNG,35.23:TBN"
    draft_ttl_days: int = Field(default=14, ge=3, le=365)
    reminder_time: str = "16:00"
    digest_time: str = "07:00"
    weekly_digest_day: int = Field(default=1, ge=1, le=7)  # TKSK weekly digest: 1 = Monday
    quiet_hours: str = "21:00-06:00"
    retention_days: int = Field(default=1825, ge=30)
    # People whose registration was rejected are forgotten this long after the decision.
    rejected_retention_days: int = Field(default=90, ge=7)
    # A chat export is deleted from the chat this long after it was sent (Telegram: < 48 h).
    export_message_ttl_hours: int = 4
    # Texts of settled messages and answers of finished forms are blanked after this long.
    transcript_ttl_hours: int = Field(default=24, ge=1, le=720)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Telegram webhook mode (instead of polling): the public HTTPS URL of /webhook/telegram.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    # WhatsApp Cloud API.
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com/v23.0"
    whatsapp_template_notice: str = "psm_pemberitahuan"
    whatsapp_template_alert: str = "psm_darurat"
    whatsapp_template_language: str = "id"
    whatsapp_daily_limit: int = Field(default=250, ge=1)
    # WhatsApp's pace: Meta allows 80 messages/s per number (error 130429) and one message
    # every 6 s to the same person (the pair rate, error 131056); a little under the latter.
    whatsapp_send_rate_overall: float = Field(default=80.0, gt=0, le=1000)
    whatsapp_send_rate_per_chat: float = Field(default=0.16, gt=0, le=100)
    admin_whatsapp_phones: str = ""
    # The business number people write to (digits), for the wa.me links of invitation letters.
    whatsapp_display_number: str = ""
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object, info: ValidationInfo) -> object:
        """`NAME=` (left blank in `.env`) means the setting's default, not an empty value:
        an empty DATABASE_PATH is `data/psm.db`, never the current folder. Not DISTRICTS:
        its default names the demo's districts, never a deployment's own (blank: an error)."""
        name = info.field_name
        if name is None or name == "districts" or not isinstance(value, str) or value.strip():
            return value
        return cls.model_fields[name].get_default(call_default_factory=True)

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_secret",
        "whatsapp_access_token",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "audit_key",
        mode="before",
    )
    @classmethod
    def _empty_secret_is_unset(cls, value: object) -> object:
        """`NAME=` (as `.env.example` ships them) means not set, not an empty secret: an
        empty WHATSAPP_ACCESS_TOKEN must not turn WhatsApp on."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and not text.strip():
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError("expected the token from @BotFather, like 123456789:AAE...")
        return value

    @field_validator("audit_key")
    @classmethod
    def _audit_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", value.get_secret_value()):
            raise ValueError("expected 64 hex digits (e.g. from `openssl rand -hex 32`)")
        return value

    @field_validator("export_message_ttl_hours")
    @classmethod
    def _export_ttl(cls, value: int) -> int:
        if not 1 <= value < 48:
            raise ValueError(
                f"expected 1 to 47 hours (Telegram deletes a bot's message only within"
                f" 48 hours), got {value}"
            )
        return value

    @field_validator("reminder_time", "digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(_CLOCK_TIME, value):
            raise ValueError(f"expected a local time like 16:00, got {value!r}")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        if not re.fullmatch(f"{_CLOCK_TIME}-{_CLOCK_TIME}", value):
            raise ValueError(f"expected a range of local times like 21:00-06:00, got {value!r}")
        return value

    @field_validator("admin_whatsapp_phones")
    @classmethod
    def _phones(cls, value: str) -> str:
        """Each number written any usual way (08..., 628..., +62 812-...), kept as E.164:
        the form WhatsApp's own numbers are compared in (an 08... kept as it was made
        nobody admin)."""
        numbers = [_phone(part) for part in value.split(",") if part.strip()]
        return ",".join(numbers)

    @field_validator("whatsapp_display_number")
    @classmethod
    def _display_number(cls, value: str) -> str:
        """The business number as wa.me links want it: international digits, no +."""
        if not value.strip():
            return ""
        return _phone(value, mobile_only=False).removeprefix("+")

    @field_validator("whatsapp_api_base_url")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s) URL, like https://graph.facebook.com/v23.0")
        return value.rstrip("/")

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
            if part.strip() and not (part.strip().isascii() and part.strip().isdigit()):
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
    def quiet_start(self) -> time:
        """When the quiet hours begin, local time."""
        return time.fromisoformat(self.quiet_hours.split("-")[0])

    @property
    def quiet_end(self) -> time:
        """When the quiet hours end, local time."""
        return time.fromisoformat(self.quiet_hours.split("-")[1])

    @property
    def audit_key_path(self) -> Path:
        """The file holding the audit key: AUDIT_KEY_FILE, else `<DATABASE_PATH>.audit-key`."""
        if self.audit_key_file is not None:
            return self.audit_key_file
        return self.database_path.with_name(self.database_path.name + ".audit-key")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        return self.whatsapp_access_token is not None

    @property
    def admin_whatsapp_phone_set(self) -> frozenset[str]:
        """Admins on WhatsApp, as E.164 numbers (ADMIN_WHATSAPP_PHONES, normalised)."""
        return frozenset(p for p in self.admin_whatsapp_phones.split(",") if p)

    @property
    def webhook_needed(self) -> bool:
        return self.whatsapp_enabled or bool(self.telegram_webhook_url)


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


# The hours whose messages wait for no later day: what goes out then, for a warning.
DAY_HOURS = (
    ("reminder_time", "daily reminders at the default hour"),
    ("digest_time", "the coordinators' digest and the TKSK weekly digest"),
)


def quiet_hour_warnings(settings: Settings) -> list[str]:
    """One line per REMINDER_TIME or DIGEST_TIME inside QUIET_HOURS, saying when its
    messages go out instead (`sending_time`). Warned, not refused: they do go out that day,
    and a deployment that set such an hour before (its reminders were lost) must still
    start after an upgrade rather than stop taking reports until its .env is edited."""
    lines = []
    for name, what in DAY_HOURS:
        hour = time.fromisoformat(getattr(settings, name))
        sent = sending_time(settings, hour)
        if sent != hour:
            lines.append(
                f"{name.upper()}: {hour:%H:%M} is inside QUIET_HOURS {settings.quiet_hours};"
                f" {what} go out at {sent:%H:%M} instead (set an hour outside them to choose)"
            )
    return lines


WHATSAPP_REQUIRED = (
    "whatsapp_phone_number_id",
    "whatsapp_app_secret",
    "whatsapp_verify_token",
)


def require_channel(settings: Settings) -> None:
    """`run` needs at least one channel configured, each completely."""
    if not settings.telegram_enabled and not settings.whatsapp_enabled:
        raise ConfigError([BOTFATHER_HELP])
    problems = []
    if settings.whatsapp_enabled:
        for name in WHATSAPP_REQUIRED:
            if not getattr(settings, name):
                problems.append(f"{name.upper()}: required when WHATSAPP_ACCESS_TOKEN is set")
    if settings.telegram_webhook_url and not settings.telegram_enabled:
        problems.append("TELEGRAM_WEBHOOK_URL: needs TELEGRAM_BOT_TOKEN")
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        problems.append("TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL")
    if problems:
        raise ConfigError(problems)
