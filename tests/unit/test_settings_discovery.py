"""Configuration is found the way users expect; a missing store is an error, never a new one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError, read_config, write_default_config

ELDERCARE = str(Path(sys.executable).parent / "eldercare")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ELDERCARE_", "DATABASE_URL", "VIEWS_DATABASE_URL", "KAFKA_"))}
    env.update(extra)
    return env


def test_config_in_a_parent_folder_is_found_and_its_paths_are_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "eldercare.toml").write_text('ELDERCARE_VAR_DIR = "data"\nELDERCARE_TOPIC_PREFIX = "jc"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    settings = Settings.from_env({}, cwd=deep)
    assert settings.config_file == (tmp_path / "eldercare.toml").resolve()
    assert settings.var_dir == tmp_path.resolve() / "data"
    assert settings.sqlite_path() == tmp_path.resolve() / "data" / "eldercare.sqlite"
    assert settings.topic_prefix == "jc"
    assert not settings.store_explicit


def test_the_environment_wins_over_any_file(tmp_path: Path) -> None:
    (tmp_path / "eldercare.toml").write_text('ELDERCARE_TOPIC_PREFIX = "from-file"\n')
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}, cwd=tmp_path)
    assert settings.config_file is None and settings.topic_prefix == "eldercare" and settings.store_explicit
    settings = Settings.from_env({"ELDERCARE_TOPIC_PREFIX": "env"}, cwd=tmp_path)
    assert settings.topic_prefix == "env"


def test_a_malformed_file_or_a_named_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "eldercare.toml"
    bad.write_text("DATABASE_URL = [1, 2]\n")
    with pytest.raises(SettingsError, match=r"eldercare\.toml"):
        Settings.from_env({}, cwd=tmp_path)
    with pytest.raises(SettingsError, match="ELDERCARE_CONFIG"):
        Settings.from_env({"ELDERCARE_CONFIG": str(tmp_path / "nope.toml")}, cwd=tmp_path)


def test_the_demo_writes_a_config_once(tmp_path: Path) -> None:
    assert write_default_config(tmp_path) == tmp_path / "eldercare.toml"
    assert write_default_config(tmp_path) is None
    assert Settings.from_env({}, cwd=tmp_path).var_dir == tmp_path.resolve() / "var"


def test_cli_in_a_folder_without_a_store_says_where_it_looked_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "eldercare.toml").write_text('ELDERCARE_VAR_DIR = "var"\n')
    result = subprocess.run([ELDERCARE, "facility", "list"], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 78, result.stderr
    assert "no event store at" in result.stderr and str(tmp_path / "eldercare.toml") in result.stderr
    assert not (tmp_path / "var").exists()
    assert "Traceback" not in result.stderr


def test_cli_from_a_subfolder_finds_the_store_of_its_project(tmp_path: Path) -> None:
    (tmp_path / "eldercare.toml").write_text('ELDERCARE_VAR_DIR = "var"\n')
    init = subprocess.run([ELDERCARE, "init"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    sub = tmp_path / "reports" / "2026"
    sub.mkdir(parents=True)
    listed = subprocess.run([ELDERCARE, "facility", "list", "--format", "json"], cwd=sub, env=clean_env(),
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert '"total": 0' in listed.stdout
    assert (tmp_path / "var" / "eldercare.sqlite").exists() and not (sub / "var").exists()


@pytest.mark.parametrize(("name", "raw"), [
    ("ELDERCARE_PUBLIC_CACHE_ENTRIES", "-1"), ("ELDERCARE_PUBLIC_CACHE_ENTRIES", "lots"),
    ("ELDERCARE_PUBLIC_CACHE_ENTRIES", "１２"), ("ELDERCARE_PUBLIC_CACHE_ENTRIES", "99999999"),
    ("ELDERCARE_HEALTH_STALL_S", "nan"), ("ELDERCARE_HEALTH_STALL_S", "-5"),
    ("ELDERCARE_HEALTH_STALL_S", "0"), ("ELDERCARE_HEALTH_STALL_S", "0.5"),
    ("ELDERCARE_GROUP_COMMIT", "maybe"),
])
def test_tuning_settings_are_read_in_one_place_and_a_malformed_one_is_refused(name: str, raw: str) -> None:
    """Every setting is read by `Settings` (a malformed one is exit 78), none silently defaulted."""
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", name: raw})


def test_tuning_settings_defaults_and_values() -> None:
    default = Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite"})
    assert (default.public_cache_entries, default.health_stall_s, default.group_commit) == (512, 120.0, True)
    set_ = Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite", "ELDERCARE_PUBLIC_CACHE_ENTRIES": "0",
                              "ELDERCARE_HEALTH_STALL_S": "600", "ELDERCARE_GROUP_COMMIT": "off"})
    assert (set_.public_cache_entries, set_.health_stall_s, set_.group_commit) == (0, 600.0, False)


def test_a_toml_boolean_reads_as_the_environment_spells_it(tmp_path: Path) -> None:
    """`ELDERCARE_GROUP_COMMIT = false` in the file is the string 'false' (as echoed back), not 'False'."""
    config = tmp_path / "eldercare.toml"
    config.write_text("ELDERCARE_GROUP_COMMIT = false\nELDERCARE_PUBLIC_CACHE_ENTRIES = 8\n")
    assert read_config(config) == {"ELDERCARE_GROUP_COMMIT": "false", "ELDERCARE_PUBLIC_CACHE_ENTRIES": "8"}
    settings = Settings.from_env({"ELDERCARE_CONFIG": str(config)})
    assert (settings.group_commit, settings.public_cache_entries) == (False, 8)


def test_the_consoles_settings_are_read_from_the_file_too(tmp_path: Path, monkeypatch) -> None:
    """Found by a new-user try: the console read `ELDERCARE_CONSOLE_*` from the environment only, so
    those keys in `eldercare.toml` were silently ignored; `...SECURE_COOKIE=True` was off."""
    from supervision.console.env import console_env, switch

    for name in ("ELDERCARE_CONSOLE_SECURE_COOKIE", "ELDERCARE_CONSOLE_IDLE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "eldercare.toml"
    config.write_text("ELDERCARE_CONSOLE_SECURE_COOKIE = true\nELDERCARE_CONSOLE_IDLE_MINUTES = 5\n")
    settings = Settings.from_env({"ELDERCARE_CONFIG": str(config)})
    services = type("Services", (), {"settings": settings})()
    env = console_env(services)
    assert env["ELDERCARE_CONSOLE_IDLE_MINUTES"] == "5" and switch(env, "ELDERCARE_CONSOLE_SECURE_COOKIE")
    monkeypatch.setenv("ELDERCARE_CONSOLE_IDLE_MINUTES", "7")  # the environment wins
    assert console_env(services)["ELDERCARE_CONSOLE_IDLE_MINUTES"] == "7"
    read = [switch({"X": v}, "X") for v in ("True", "YES", "on", "0", "Off")]
    assert read == [True, True, True, False, False]
    with pytest.raises(ValueError, match="X='maybe'"):
        switch({"X": "maybe"}, "X")
