"""The one object that reads the environment (and an optional `.env` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/pipeline.db"


class Settings(BaseSettings):
    """Pipeline settings; build with `get_settings()` where needed, never at import time."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    expectations_dir: Path = Path("expectations")
    data_dir: Path = Path("data")
    docs_dir: Path = Path("data/docs")


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
