"""The deployment kit (deploy/, docs/deploy.md) names only what exists or what the install makes.

Every unit's commands map onto this checkout (/opt/city-wall is a clone of it, its venv is made by
the install), the wall's command line accepts each subcommand a unit runs, the env file sets only
real settings and gives each unit a role the wall accepts, systemd and bash read the files, and the
kiosk script opens the wall's six panels at the six screens' positions. No network, no display.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import stat
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
INSTALL = "/opt/city-wall"  # the clone of this repo the units run (docs/deploy.md)
VENV_BIN = f"{INSTALL}/.venv/bin/"  # made by the install: console scripts of pyproject.toml
ENV_FILE = DEPLOY / "city-wall.env"
ENV_FILE_INSTALLED = "/etc/city-wall/city-wall.env"
SYSTEM_UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
USER_UNITS = sorted((DEPLOY / "kiosk").glob("*.service"))
TARGET = DEPLOY / "systemd" / "city-wall.target"
KIOSK = DEPLOY / "kiosk" / "start-wall.sh"
DESKTOP = DEPLOY / "kiosk" / "city-wall-kiosk.desktop"
SCRIPTS = sorted(DEPLOY.rglob("*.sh"))
# What each unit's role is: the env file must not set these (systemd lets it override Environment=).
ROLE = ("WALL_POLLER", "CACHE_TYPE", "WEB_WORKERS")


def unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file as {section: [(key, value), ...]}: keys may repeat, lines may continue."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        line = line.strip()
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines, "").strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        current.append((key.strip(), value.strip()))
    return sections


def values(sections: dict, section: str, key: str) -> list[str]:
    """Every value of ``key`` in ``section``, space-separated lists split (After=a b)."""
    return [word for k, v in sections.get(section, []) if k == key for word in v.split()]


def one(sections: dict, section: str, key: str) -> str:
    found = [v for k, v in sections.get(section, []) if k == key]
    assert len(found) == 1, f"[{section}] {key}= is set {len(found)} times"
    return found[0]


def environment(sections: dict) -> dict[str, str]:
    """The unit's Environment= assignments."""
    found = {}
    for key, value in sections.get("Service", []):
        if key == "Environment":
            for item in shlex.split(value):
                name, _, setting = item.partition("=")
                found[name] = setting
    return found


def env_file(path: Path = ENV_FILE) -> tuple[dict[str, str], set[str]]:
    """The env file's assignments, and every setting it names (assigned or shown commented out)."""
    assigned, named = {}, set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            named.add(match[2])
            if not match[1]:
                assigned[match[2]] = match[3].strip()
    return assigned, named


def known_settings() -> set[str]:
    """Every variable the wall reads as a setting: Settings' fields and each feed's interval."""
    from dashboard.settings import Settings
    from feeds.registry import FEEDS

    found = {f.name.upper() for f in fields(Settings) if f.name != "intervals"}
    return found | {f"{feed.upper()}_INTERVAL" for feed in FEEDS}


def accepted_commands() -> set[str]:
    """The subcommands the wall's command line accepts: dashboard.cli's COMMANDS, and the choices
    its own parser lists when given one it does not know (record is handled before COMMANDS)."""
    from dashboard import cli

    found = set(cli.COMMANDS)
    said = io.StringIO()
    quiet = contextlib.redirect_stdout(io.StringIO())
    with contextlib.redirect_stderr(said), quiet, contextlib.suppress(SystemExit):
        cli.main(["no-such-command-here"])
    listed = re.search(r"choose from (.*?)\)", said.getvalue())
    if listed:
        found |= {word.strip(" '\"") for word in listed[1].split(",")}
    return found


def console_scripts() -> dict[str, str]:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return project["project"].get("scripts", {})


def exec_lines() -> list[tuple[str, str]]:
    """(file, command line) for every command the kit's units and autostart file run."""
    found = []
    for path in [*SYSTEM_UNITS, *USER_UNITS]:
        for key, value in unit(path).get("Service", []):
            if key.startswith("Exec") and value:
                found.append((path.name, value.lstrip("-@:+!")))
    found.append((DESKTOP.name, one(unit(DESKTOP), "Desktop Entry", "Exec")))
    return found


@pytest.mark.parametrize(("where", "line"), exec_lines(), ids=lambda v: str(v)[:60])
def test_every_command_is_in_the_checkout_or_made_by_the_install(where, line):
    executable, *args = shlex.split(line)
    assert executable.startswith(f"{INSTALL}/"), f"{where}: {executable} is not under {INSTALL}"
    if executable.startswith(VENV_BIN):
        script = executable.removeprefix(VENV_BIN)
        scripts = console_scripts()
        assert script in scripts, f"{where}: {script} is not a console script of pyproject.toml"
        module, _, function = scripts[script].partition(":")
        imported = __import__(module, fromlist=[function])
        assert callable(getattr(imported, function)), f"{scripts[script]} is not callable"
        if scripts[script] == "dashboard.cli:main":
            assert args, f"{where}: {script} needs a subcommand"
            known = accepted_commands()
            assert args[0] in known, f"{where}: `{script} {args[0]}` is not a command of the wall"
    else:
        path = REPO / executable.removeprefix(f"{INSTALL}/")
        assert path.is_file(), f"{where}: {executable} is not in the repo ({path})"
        assert os.access(path, os.X_OK), f"{where}: {path.relative_to(REPO)} is not executable"


def test_each_service_runs_its_part_as_the_wall_user_hardened_and_restarted_unless_misconfigured():
    assert {p.name for p in SYSTEM_UNITS} == {"city-wall-poller.service", "city-wall-web.service"}
    history_dir = str(Path(env_file()[0]["HISTORY_PATH"]).parent)
    for path in SYSTEM_UNITS:
        sections = unit(path)
        service = dict(sections["Service"])
        assert service["User"] == "city-wall"
        assert service["WorkingDirectory"] == INSTALL
        assert values(sections, "Service", "EnvironmentFile") == [ENV_FILE_INSTALLED]
        assert environment(sections)["WALL_ENV_FILE"] == ENV_FILE_INSTALLED
        assert service["Restart"] == "on-failure"
        assert "2" in values(sections, "Service", "RestartPreventExitStatus"), "exit 2: a bad setting"
        assert service["NoNewPrivileges"] == "yes"
        assert service["ProtectSystem"] == "strict"
        assert service["PrivateTmp"] == "yes"
        assert history_dir in values(sections, "Service", "ReadWritePaths")
        assert "redis-server.service" in values(sections, "Unit", "After")
        needs = values(sections, "Unit", "Requires") + values(sections, "Unit", "Wants")
        assert "redis-server.service" in needs
        assert values(sections, "Unit", "PartOf") == [TARGET.name]
        assert values(sections, "Install", "WantedBy") == [TARGET.name]
    assert values(unit(TARGET), "Install", "WantedBy") == ["multi-user.target"]


@pytest.mark.parametrize("path", SYSTEM_UNITS, ids=lambda p: p.name)
def test_each_service_gets_settings_the_wall_accepts_for_its_role(path):
    """What systemd hands the process (the env file over the unit's Environment=), as the wall reads it."""
    from dashboard import settings

    assigned, _ = env_file()
    given = {**environment(unit(path)), **assigned}
    assert given["WALL_ENV_FILE"] == ENV_FILE_INSTALLED
    config = settings.load({**given, "WALL_ENV_FILE": str(ENV_FILE)})  # the file installed there
    assert config.cache_type == "RedisCache"
    command = shlex.split(one(unit(path), "Service", "ExecStart"))[1]
    if command == "poll":
        assert config.wall_poller and config.web_workers == 1
    else:
        assert command == "run" and not config.wall_poller
    assert Path(config.history_path).is_absolute()


def test_the_env_file_names_real_settings_only_and_leaves_roles_and_secrets_to_others():
    assigned, named = env_file()
    known = known_settings()
    assert named <= known, f"not settings of the wall: {sorted(named - known)}"
    text = ENV_FILE.read_text(encoding="utf-8")
    undocumented = {name for name in known if not re.search(rf"\b{name}\b", text)}
    assert not undocumented, f"settings the env file does not mention: {sorted(undocumented)}"
    assert not set(ROLE) & set(assigned), "the units set each one's role; the file would override it"
    from dashboard import settings

    for secret in settings.SECRETS:
        assert assigned.get(secret.upper(), "") == "", f"{secret.upper()} must be left blank in the example"
    read = getattr(settings, "read_env_file", None)  # the wall's own reader of WALL_ENV_FILE
    if read is not None:
        assert read(str(ENV_FILE)) == assigned


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_reads_the_units(tmp_path):
    """systemd-analyze verify, with /opt/city-wall as a stand-in tree holding each command the units
    run (whether they are in the repo or made by the install is the test above)."""
    root = tmp_path / "opt"
    for _, line in exec_lines():
        executable = Path(str(root) + shlex.split(line)[0].removeprefix(INSTALL))
        executable.parent.mkdir(parents=True, exist_ok=True)
        executable.write_text("#!/bin/sh\n")
        executable.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for path in [*SYSTEM_UNITS, TARGET, *USER_UNITS]:
        (units / path.name).write_text(path.read_text(encoding="utf-8").replace(INSTALL, str(root)))
    if not Path("/lib/systemd/system/redis-server.service").exists():
        (units / "redis-server.service").write_text("[Service]\nExecStart=/bin/true\n")
    env = {**os.environ, "SYSTEMD_UNIT_PATH": f"{units}:", "XDG_RUNTIME_DIR": str(tmp_path)}
    system = [str(units / p.name) for p in [*SYSTEM_UNITS, TARGET]]
    user = [str(units / p.name) for p in USER_UNITS]
    for scope, files in (([], system), (["--user"], user)):
        done = subprocess.run(
            ["systemd-analyze", *scope, "verify", "--man=no", *files],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        assert done.returncode == 0 and not said, "\n".join(said)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_bash_reads_the_scripts(script):
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="no shellcheck")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck_finds_nothing(script):
    done = subprocess.run(["shellcheck", "-x", str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout


def kiosk(tmp_path: Path, **settings: str) -> tuple[int, list[list[str]], str]:
    """The kiosk script's dry run: its exit code, the browser command lines it would run, stderr."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "KIOSK_CONFIG": str(tmp_path / "none.env"),
        "KIOSK_DRY_RUN": "1",
        **settings,
    }
    done = subprocess.run(["bash", str(KIOSK)], env=env, capture_output=True, text=True, timeout=10)
    commands = [shlex.split(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, commands, done.stderr


def flag(command: list[str], name: str) -> str:
    found = [arg.partition("=")[2] for arg in command if arg.startswith(f"--{name}=")]
    assert len(found) == 1, f"--{name}= given {len(found)} times"
    return found[0]


def the_wall_panels() -> list[int]:
    """The wall's panels, as its table of parts has them (panel 0 is the phone's)."""
    from layouts.spec import PARTS

    return sorted({part.panel for part in PARTS.values()} - {0})


def test_the_kiosk_opens_each_panel_on_its_screen_of_the_3_by_2_grid(tmp_path):
    code, commands, said = kiosk(tmp_path, WALL_URL="http://wall.example:8050/")
    assert code == 0, said
    panels = the_wall_panels()
    assert panels == [1, 2, 3, 4, 5, 6]
    assert len(commands) == len(panels)
    # Panel N is at column (N - 1) mod 3 and row (N - 1) div 3 of the canvas (assets/wall.css).
    expected = {
        f"http://wall.example:8050/panel/{n}": ((n - 1) % 3 * 1920, (n - 1) // 3 * 1080) for n in panels
    }
    opened = {}
    for command in commands:
        assert "--kiosk" in command
        for needed in (
            "--no-first-run",
            "--noerrdialogs",
            "--disable-infobars",
            "--disable-session-crashed-bubble",
            "--disable-translate",
            "--overscroll-history-navigation=0",
        ):
            assert needed in command
        x, y = map(int, flag(command, "window-position").split(","))
        assert flag(command, "window-size") == "1920,1080"
        opened[flag(command, "app")] = (x, y)
    assert opened == expected
    profiles = {flag(command, "user-data-dir") for command in commands}
    assert len(profiles) == 6 and all(p.startswith(str(tmp_path)) for p in profiles)

    from callbacks.controls import url_problems

    for url in opened:  # the wall serves each address as a panel, with no notice of a bad one
        assert url_problems(url.removeprefix("http://wall.example:8050"), "") == []


def test_the_kiosk_follows_its_grid_settings_and_the_whole_wall_mode(tmp_path):
    code, commands, said = kiosk(
        tmp_path,
        KIOSK_SCREEN_WIDTH="3840",
        KIOSK_SCREEN_HEIGHT="2160",
        KIOSK_ORIGIN_X="1920",
        KIOSK_PANELS="3 2 1 6 5 4",
        KIOSK_QUERY="lang=en",
    )
    assert code == 0, said
    where = {flag(c, "app"): flag(c, "window-position") for c in commands}
    assert where["http://127.0.0.1:8050/panel/3?lang=en"] == "1920,0"
    assert where["http://127.0.0.1:8050/panel/4?lang=en"] == f"{1920 + 2 * 3840},2160"
    assert {flag(c, "window-size") for c in commands} == {"3840,2160"}

    code, commands, said = kiosk(tmp_path, KIOSK_MODE="wall")
    assert code == 0, said
    (command,) = commands
    assert flag(command, "app") == "http://127.0.0.1:8050/"
    assert (flag(command, "window-position"), flag(command, "window-size")) == ("0,0", "5760,2160")


def test_the_kiosk_refuses_a_bad_setting_with_exit_2(tmp_path):
    for bad in ({"KIOSK_COLS": "4"}, {"KIOSK_PANELS": "1 2 3 4 5 7"}, {"WALL_URL": "wall:8050"}):
        code, commands, said = kiosk(tmp_path, **bad)
        assert (code, commands) == (2, []), bad
        assert next(iter(bad)) in said
    config = tmp_path / "kiosk.env"
    config.write_text("# the PC by the wall\nWALL_URL=http://10.0.0.5:8050\nKIOSK_TYPO=1\n")
    code, _, said = kiosk(tmp_path, KIOSK_CONFIG=str(config))
    assert code == 2 and "KIOSK_TYPO" in said
    config.write_text("WALL_URL='http://10.0.0.5:8050'\n")
    code, commands, said = kiosk(tmp_path, KIOSK_CONFIG=str(config))
    assert code == 0 and flag(commands[0], "app") == "http://10.0.0.5:8050/panel/1", said


def test_the_kiosk_example_config_sets_only_kiosk_settings(tmp_path):
    example = DEPLOY / "kiosk" / "city-wall-kiosk.env"
    code, commands, said = kiosk(tmp_path, KIOSK_CONFIG=str(example))
    assert code == 0 and len(commands) == 6, said
    script = KIOSK.read_text(encoding="utf-8")
    for name in env_file(example)[1]:
        assert f"{name}=" in script, f"{name} is not read by start-wall.sh"


def test_the_scripts_are_executable():
    for script in [KIOSK]:
        assert script.stat().st_mode & stat.S_IXUSR, f"{script.relative_to(REPO)} is not executable"


def test_every_path_and_command_the_deploy_guide_names_exists():
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"(?<![\w.-])deploy/[\w./-]*[\w]", guide))
    assert paths, "the guide names no file of the kit"
    missing = sorted(p for p in paths if not (REPO / p).exists())
    assert not missing, f"docs/deploy.md names what is not in the repo: {missing}"
    commands = set(re.findall(r"(?:^|[\s`/])city-wall ([a-z]+)\b(?![.-])", guide, re.MULTILINE))
    assert {"check", "poll", "run"} <= commands
    unknown = sorted(commands - accepted_commands())
    assert not unknown, f"docs/deploy.md runs commands the wall does not have: {unknown}"
