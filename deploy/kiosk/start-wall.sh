#!/usr/bin/env bash
# The city wall's kiosk: one Chromium window per screen of the six-screen wall (3 wide x 2 high,
# 1920 x 1080 each), each on its panel's page (/panel/1 ... /panel/6), full screen, in a profile
# of its own; or (KIOSK_MODE=wall) one window on the whole wall (/) spanning every screen.
#
# It turns screen blanking off, waits until the wall's /healthz answers, opens the windows and
# reopens any that closes. Settings come from the environment, or from KIOSK_CONFIG (default
# ~/.config/city-wall-kiosk.env, KEY=VALUE lines as in deploy/kiosk/city-wall-kiosk.env; the
# environment wins). KIOSK_DRY_RUN=1 prints the browser command lines instead of running them.
# A bad setting exits 2 with one line naming it, as the wall itself does. See docs/deploy.md.
set -euo pipefail

PANELS_ON_THE_WALL=6  # /panel/1 ... /panel/6: the wall's canvas is 3 x 2 panels (layouts/wall.py)

bad() {
  echo "city wall kiosk: $*" >&2
  exit 2
}

# Every setting this script reads (docs/deploy.md, "The kiosk").
SETTINGS="WALL_URL KIOSK_MODE KIOSK_COLS KIOSK_ROWS KIOSK_SCREEN_WIDTH KIOSK_SCREEN_HEIGHT KIOSK_ORIGIN_X
KIOSK_ORIGIN_Y KIOSK_PANELS KIOSK_QUERY KIOSK_BROWSER KIOSK_PROFILE_DIR KIOSK_WAIT_SECONDS
KIOSK_STAGGER_SECONDS KIOSK_RESPAWN KIOSK_HIDE_CURSOR KIOSK_FULLSCREEN KIOSK_EXTRA_FLAGS KIOSK_DRY_RUN"
SETTINGS="${SETTINGS//$'\n'/ }"

# KEY=VALUE lines of the config file, for the names this script reads only, never run as code; a
# variable already in the environment keeps its value.
config="${KIOSK_CONFIG:-${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/city-wall-kiosk.env}"
if [ -r "$config" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'*) continue ;; esac
    [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || bad "$config: expected NAME=value, not: $line"
    name="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [[ " $SETTINGS " == *" $name "* ]] || bad "$config: $name is not a setting of the kiosk"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    [ -n "${!name+set}" ] || export "$name=$value"
  done <"$config"
fi

WALL_URL="${WALL_URL:-http://127.0.0.1:8050}"
WALL_URL="${WALL_URL%/}"
KIOSK_MODE="${KIOSK_MODE:-panels}"
KIOSK_COLS="${KIOSK_COLS:-3}"
KIOSK_ROWS="${KIOSK_ROWS:-2}"
KIOSK_SCREEN_WIDTH="${KIOSK_SCREEN_WIDTH:-1920}"
KIOSK_SCREEN_HEIGHT="${KIOSK_SCREEN_HEIGHT:-1080}"
KIOSK_ORIGIN_X="${KIOSK_ORIGIN_X:-0}"
KIOSK_ORIGIN_Y="${KIOSK_ORIGIN_Y:-0}"
KIOSK_PANELS="${KIOSK_PANELS:-1 2 3 4 5 6}"
KIOSK_QUERY="${KIOSK_QUERY:-}"
KIOSK_BROWSER="${KIOSK_BROWSER:-}"
KIOSK_PROFILE_DIR="${KIOSK_PROFILE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/city-wall-kiosk}"
KIOSK_WAIT_SECONDS="${KIOSK_WAIT_SECONDS:-0}"
KIOSK_STAGGER_SECONDS="${KIOSK_STAGGER_SECONDS:-1}"
KIOSK_RESPAWN="${KIOSK_RESPAWN:-1}"
KIOSK_HIDE_CURSOR="${KIOSK_HIDE_CURSOR:-1}"
KIOSK_EXTRA_FLAGS="${KIOSK_EXTRA_FLAGS:-}"
KIOSK_DRY_RUN="${KIOSK_DRY_RUN:-0}"

for name in KIOSK_COLS KIOSK_ROWS KIOSK_SCREEN_WIDTH KIOSK_SCREEN_HEIGHT; do
  [[ "${!name}" =~ ^[1-9][0-9]{0,4}$ ]] || bad "$name=${!name} is not valid: expected a whole number from 1"
done
for name in KIOSK_ORIGIN_X KIOSK_ORIGIN_Y KIOSK_WAIT_SECONDS KIOSK_STAGGER_SECONDS; do
  [[ "${!name}" =~ ^[0-9]{1,5}$ ]] || bad "$name=${!name} is not valid: expected a whole number from 0"
done
for name in KIOSK_RESPAWN KIOSK_HIDE_CURSOR KIOSK_DRY_RUN; do
  [[ "${!name}" =~ ^[01]$ ]] || bad "$name=${!name} is not valid: expected 0 or 1"
done
[[ "$WALL_URL" =~ ^https?://[^/?#[:space:]]+(/[^?#[:space:]]*)?$ ]] \
  || bad "WALL_URL=$WALL_URL is not valid: expected the wall's address, such as http://192.168.0.10:8050"
query_chars='^[A-Za-z0-9_=&%.,-]*$'
[[ "$KIOSK_QUERY" =~ $query_chars ]] \
  || bad "KIOSK_QUERY=$KIOSK_QUERY is not valid: expected a query without '?', such as lang=en"
case "$KIOSK_MODE" in panels | wall) ;; *) bad "KIOSK_MODE=$KIOSK_MODE is not valid: expected panels or wall" ;; esac

read -r -a panels <<<"$KIOSK_PANELS"
screens=$((KIOSK_COLS * KIOSK_ROWS))
if [ "$KIOSK_MODE" = panels ]; then
  [ "${#panels[@]}" -eq "$screens" ] \
    || bad "KIOSK_COLS x KIOSK_ROWS is $KIOSK_COLS x $KIOSK_ROWS = $screens screens, but KIOSK_PANELS='$KIOSK_PANELS' names ${#panels[@]} panels"
  for panel in "${panels[@]}"; do
    if ! [[ "$panel" =~ ^[1-9][0-9]*$ ]] || [ "$panel" -gt "$PANELS_ON_THE_WALL" ]; then
      bad "KIOSK_PANELS: $panel is not one of the wall's panels (1 to $PANELS_ON_THE_WALL)"
    fi
  done
fi

if [ -z "$KIOSK_BROWSER" ]; then
  for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then KIOSK_BROWSER="$candidate"; break; fi
  done
fi
if [ -z "$KIOSK_BROWSER" ]; then
  [ "$KIOSK_DRY_RUN" = 1 ] || bad "no Chromium found (Debian: apt-get install chromium), or set KIOSK_BROWSER"
  KIOSK_BROWSER=chromium
fi
read -r -a extra <<<"$KIOSK_EXTRA_FLAGS"
query="${KIOSK_QUERY:+?$KIOSK_QUERY}"

# What every window is: an app window (no tabs, no address bar), nothing asked at first run, no
# bubbles, bars or error dialogs over the wall, no gesture that navigates away, no throttling of a
# window the browser thinks is hidden (the wall ticks every few seconds), no update checks.
common=(
  --no-first-run
  --no-default-browser-check
  --noerrdialogs
  --disable-infobars
  --disable-session-crashed-bubble
  --hide-crash-restore-bubble
  --disable-translate
  "--disable-features=Translate,TranslateUI,InfiniteSessionRestore"
  --overscroll-history-navigation=0
  --disable-pinch
  --disable-background-timer-throttling
  --disable-backgrounding-occluded-windows
  --disable-renderer-backgrounding
  --disable-component-update
  --check-for-update-interval=31536000
  --password-store=basic
)

windows=()  # one line per window: profile, URL, x, y, width, height
if [ "$KIOSK_MODE" = panels ]; then
  for ((i = 0; i < screens; i++)); do
    panel="${panels[$i]}"
    x=$((KIOSK_ORIGIN_X + (i % KIOSK_COLS) * KIOSK_SCREEN_WIDTH))
    y=$((KIOSK_ORIGIN_Y + (i / KIOSK_COLS) * KIOSK_SCREEN_HEIGHT))
    # A profile per screen (screen-1 is the top left), whichever panel it shows.
    windows+=("screen-$((i + 1)) $WALL_URL/panel/$panel$query $x $y $KIOSK_SCREEN_WIDTH $KIOSK_SCREEN_HEIGHT")
  done
  fullscreen="${KIOSK_FULLSCREEN:-1}"
else
  windows+=("wall $WALL_URL/$query $KIOSK_ORIGIN_X $KIOSK_ORIGIN_Y $((KIOSK_COLS * KIOSK_SCREEN_WIDTH)) $((KIOSK_ROWS * KIOSK_SCREEN_HEIGHT))")
  # --kiosk fills one monitor: across the wall only when the six are one monitor to X (xrandr
  # --setmonitor, docs/deploy.md). Otherwise the sized app window alone covers them.
  fullscreen="${KIOSK_FULLSCREEN:-0}"
fi
[[ "$fullscreen" =~ ^[01]$ ]] || bad "KIOSK_FULLSCREEN=$fullscreen is not valid: expected 0 or 1"

command_line() {  # profile url x y width height: the browser's command line, into the array cmd
  cmd=("$KIOSK_BROWSER")
  if [ "$fullscreen" = 1 ]; then cmd+=(--kiosk); fi
  cmd+=(
    "--app=$2"
    "--window-position=$3,$4"
    "--window-size=$5,$6"
    "--user-data-dir=$KIOSK_PROFILE_DIR/$1"
    "${common[@]}"
    ${extra[@]+"${extra[@]}"}
  )
}

if [ "$KIOSK_DRY_RUN" = 1 ]; then
  for window in "${windows[@]}"; do
    read -r -a spec <<<"$window"
    command_line "${spec[@]}"
    printf '%q ' "${cmd[@]}"
    printf '\n'
  done
  exit 0
fi

[ -n "${DISPLAY:-}" ] || bad "DISPLAY is not set: start the kiosk in the X session of the wall's screens"

# Never blank, never power the screens down (guarded: xset is in x11-xserver-utils).
if command -v xset >/dev/null 2>&1; then
  xset s off || true
  xset s noblank || true
  xset -dpms || true
else
  echo "city wall kiosk: xset not found (apt-get install x11-xserver-utils): screens may blank" >&2
fi
if [ "$KIOSK_HIDE_CURSOR" = 1 ] && command -v unclutter >/dev/null 2>&1; then
  unclutter -idle 1 -root >/dev/null 2>&1 &
fi

# The wall is up when /healthz answers at all: 200 when every feed is ok, 503 while one is not
# (the wall then shows which and why, so it is worth showing).
status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'EOF' || true
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status, end="")
except urllib.error.HTTPError as exc:
    print(exc.code, end="")
except Exception:
    print("000", end="")
EOF
  else
    echo "none"
  fi
}
waited=0
while :; do
  code="$(status "$WALL_URL/healthz")"
  case "$code" in
    200 | 503) break ;;
    none) echo "city wall kiosk: neither curl nor python3: not waiting for $WALL_URL/healthz" >&2; break ;;
  esac
  if [ "$KIOSK_WAIT_SECONDS" -gt 0 ] && [ "$waited" -ge "$KIOSK_WAIT_SECONDS" ]; then
    echo "city wall kiosk: $WALL_URL/healthz did not answer within $KIOSK_WAIT_SECONDS s" >&2
    exit 1
  fi
  if [ $((waited % 30)) -eq 0 ]; then echo "city wall kiosk: waiting for $WALL_URL/healthz ..." >&2; fi
  sleep 2
  waited=$((waited + 2))
done

# A window killed or crashed leaves "exited_cleanly": false and "exit_type": "Crashed" in its
# profile, and Chromium would offer to restore the session over the wall: mark it clean first.
clean_profile() {
  local file
  for file in "$1/Local State" "$1/Default/Preferences"; do
    [ -f "$file" ] || continue
    sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' \
      -e 's/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$file" || true
  done
}

# One window, reopened when it closes (KIOSK_RESPAWN=1); a signal closes it and stops.
keep_open() {
  local profile="$1" child=""
  shift
  trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 0' TERM INT HUP
  while :; do
    mkdir -p "$profile"
    clean_profile "$profile"
    "$@" >"$profile/chromium.log" 2>&1 &
    child=$!
    wait "$child" || true
    child=""
    [ "$KIOSK_RESPAWN" = 1 ] || return 0
    echo "city wall kiosk: the window of $profile closed; reopening it" >&2
    sleep 3
  done
}

pids=()
stop() {
  trap - TERM INT HUP
  kill "${pids[@]}" 2>/dev/null || true
  wait || true
  exit 0
}
trap stop TERM INT HUP
for window in "${windows[@]}"; do
  read -r -a spec <<<"$window"
  command_line "${spec[@]}"
  keep_open "$KIOSK_PROFILE_DIR/${spec[0]}" "${cmd[@]}" &
  pids+=($!)
  sleep "$KIOSK_STAGGER_SECONDS"
done
echo "city wall kiosk: ${#windows[@]} window(s) on $WALL_URL" >&2
wait
