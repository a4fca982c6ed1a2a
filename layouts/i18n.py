"""Every word the wall shows, in Korean (first) and English."""

from __future__ import annotations

from feeds.districts import BY_CODE
from feeds.reasons import Reason, Seconds

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

TEXT: dict[str, tuple[str, str]] = {
    "wall_title": ("서울 도시상황판", "Seoul City Status"),
    "panel1": ("서울 한눈에", "Seoul at a glance"),
    "panel2": ("자치구별 대기질", "Air quality by district"),
    "panel3": ("대기질 순위와 추이", "Air ranking and trend"),
    "panel4": ("도로 교통", "Road traffic"),
    "panel5": ("사고·돌발 상황", "Incidents"),
    "panel6": ("선택한 자치구", "Selected district"),
    "worst_air": ("가장 나쁜 대기", "Worst air"),
    "avg_speed": ("시내 평균 속도", "Average road speed"),
    "open_incidents": ("진행 중인 사고", "Open incidents"),
    "severe_count": ("긴급 {n}건", "{n} severe"),
    "city_pm25": ("서울 평균 초미세먼지", "Seoul average PM2.5"),
    "jammed_links": ("정체 구간", "Jammed road links"),
    "of_links": ("관측 {n}개 구간 중", "of {n} monitored links"),
    "road_closures": ("차로 통제", "Lane closures"),
    "closures_detail": ("사고·공사·행사", "accidents, works, events"),
    "more_alerts": ("외 {n}건", "{n} more"),
    "attract_hint": ("둘러보는 중 · 화면을 눌러 직접 살펴보세요", "Touring the city · touch to explore"),
    "speed_today": ("오늘 시내 속도 · 지난 며칠 같은 시각 (km/h)", "City speed today vs earlier days (km/h)"),
    "today": ("오늘", "Today"),
    "earlier_days": ("지난 {n}일 평균", "Previous {n} days"),
    "timeline_title": ("시간대별 사고 발생·해제 (24시간)", "Incidents opened and cleared per hour (24 h)"),
    "opened": ("발생", "opened"),
    "cleared": ("해제", "cleared"),
    "handling_title": ("유형별 처리 시간 (중앙값)", "Handling time by type (median)"),
    "minutes": ("{n}분", "{n} min"),
    "cases": ("{n}건", "{n} cases"),
    "time_machine": ("지난 24시간", "Past 24 h"),
    "live": ("실시간", "Live"),
    "back_to_live": ("실시간으로", "Back to live"),
    "past_title": ("과거 화면 · {time}", "PAST · {time}"),
    "past_detail": ("실시간이 아닙니다 · 기록된 자료", "Not live · recorded data"),
    "status_past": ("기록 {time}", "Recorded {time}"),
    "bad_district": (
        "주소의 district={value}: 알 수 없는 자치구 코드입니다",
        "district={value} in the address is not a district code",
    ),
    "bad_lang": (
        "주소의 lang={value}: ko 또는 en만 쓸 수 있습니다",
        "lang={value} in the address: use ko or en",
    ),
    "bad_panel": (
        "{value}: 화면은 /panel/1 부터 /panel/6 까지입니다",
        "{value}: screens are /panel/1 to /panel/6",
    ),
    "no_alerts": ("특이 상황 없음", "No alerts"),
    "alerts": ("경보", "Alerts"),
    "status_ok": ("정상", "Live"),
    "last_known": ("마지막 자료", "last known"),
    "connection_lost": ("연결 끊김 · 마지막 연결 ", "Connection lost · last contact "),
    "status_stale": ("지연", "Stale"),
    "status_error": ("오류", "Error"),
    "status_waiting": ("수신 대기", "Waiting"),
    "waiting_data": ("데이터를 기다리는 중입니다", "Waiting for data"),
    "as_of": ("{time} 기준", "as of {time}"),
    # How old a measurement is, ticked by assets/wall.js each second beside "as of".
    "just_now": ("방금", "just now"),
    "minutes_ago": ("{minutes}분 전", "{minutes} min ago"),
    "hours_ago": ("{hours}시간 {minutes}분 전", "{hours} h {minutes} min ago"),
    "no_data": ("자료 없음", "No data"),
    # A district's air without a grade: no CAI from a partial set, or a station not reporting.
    "no_cai": ("CAI —", "CAI —"),
    "no_grade": ("등급 없음", "No grade"),
    "no_measurements": ("측정값 없음", "No measurements"),
    "not_reporting": ("측정 중단 · {word}", "Not reporting · {word}"),
    "city_average": ("서울 평균", "Seoul average"),
    "ranking_title": ("통합대기환경지수(CAI) 순위", "Air quality index (CAI) ranking"),
    "trend_title": ("초미세먼지 추이 (µg/m³)", "PM2.5 trend (µg/m³)"),
    "district_speeds": ("자치구 평균 속도 (km/h)", "District average speed (km/h)"),
    "incident_list": ("진행 중인 사고", "Open incidents"),
    "no_incidents": ("진행 중인 사고가 없습니다", "No open incidents"),
    "clear_expected": ("{time} 해제 예정", "clears ~{time}"),
    "clear_overdue": ("해제 예정 {time} 지남", "overdue: was to clear {time}"),
    "in_progress": ("처리 중", "In progress"),
    "closure_full": ("전면 통제", "Road closed"),
    "closure_partial": ("부분 통제", "Lanes closed"),
    "auto_selected": ("대기질이 가장 나쁜 구 (자동 선택)", "Worst air now (auto-selected)"),
    "touched": ("선택됨 · 다시 누르면 서울 전체", "Selected · touch again for all Seoul"),
    "city_view": ("서울 전체 보기", "Whole city"),
    "pollutants": ("오염물질", "Pollutants"),
    "roads_here": ("주요 도로", "Main roads"),
    "roads_places_here": ("주요 도로·붐비는 곳", "Main roads and busy places"),
    "incidents_here": ("사고·통제", "Incidents"),
    "no_roads": ("관측 도로 없음", "No monitored roads"),
    "km_h": ("km/h", "km/h"),
    "districts_n": ("{n}개 구", "{n}"),  # a legend's count: English has no room for "districts"
    "grade_alert": ("{district} 대기 {grade}", "{district}: air {grade}"),
    "feed_failing": ("{feed} 데이터 {status}", "{feed} data: {status}"),
    "feed_air": ("대기", "Air"),
    "feed_traffic": ("교통", "Traffic"),
    "feed_incidents": ("사고", "Incidents"),
    "feed_crowds": ("인구", "Crowds"),
    "feed_weather": ("날씨", "Weather"),
    "people": ("{low}–{high}명", "{low}–{high} people"),
    "weather_now": ("{temp}°C · {precipitation}", "{temp}°C · {precipitation}"),
    "weather_rain": ("{kind} {mm} mm", "{kind} {mm} mm"),
    "no_weather": ("날씨 자료 없음", "No weather yet"),
    "slow_roads": ("{n}개 구간 정체", "{n} jammed links"),
    "source_credit": ("출처: 서울 열린데이터광장(서울특별시)", "Source: Seoul Open Data Plaza (Seoul)"),
    "language": ("English", "한국어"),
    # What the credit line says of the source; live data needs no badge.
    "source_demo": ("시연 데이터", "Demo data"),
    "source_replay": ("녹화 재생", "Recorded data"),
    "source_seoul": ("", ""),
    # The QR code on the wall, and the phone view it leads to (/m).
    "qr_invite": ("휴대폰으로 보기 · 카메라로 찍으세요", "On your phone · scan with the camera"),
    "qr_label": ("휴대폰 화면 주소 QR 코드", "QR code of the phone view's address"),
    "phone_districts": ("자치구 · 눌러서 자세히", "Districts · tap for detail"),
    "phone_detail": ("자치구 자세히", "District in detail"),
    "phone_incidents": ("진행 중인 사고·통제", "Open incidents and closures"),
    "phone_status": ("자료 상태", "Data status"),
    "share": ("이 자치구 공유", "Share this district"),
    "share_copied": ("주소를 복사했습니다", "Address copied"),
    "share_copy_failed": ("주소를 길게 눌러 복사하세요", "Press and hold the address to copy it"),
    "share_title": ("{district} · 서울 도시상황판", "{district} · Seoul City Status"),
    # What an alert POSTed to WALL_ALERT_WEBHOOK adds to its title (layouts/alerts.py).
    "alert_for": ("{duration}째", "for {duration}"),
    "alert_after": ("{duration} 만", "after {duration}"),
    "alert_now": ("지금 {grade}", "now {grade}"),
}

GRADE_NAMES = {"좋음": "Good", "보통": "Moderate", "나쁨": "Unhealthy", "매우나쁨": "Very unhealthy"}
# Words a station puts in the grade field when it is not reporting, as the wall says them:
# Korean, English, and English where a map label or a legend chip has little room.
STATION_WORDS = {
    "점검중": ("점검중", "Under maintenance", "Maintenance"),
    "장비점검": ("장비점검", "Equipment check", "Check"),
    "통신장애": ("통신장애", "Link failure", "No link"),
    "자료이상": ("자료이상", "Data fault", "Data fault"),
}
CONGESTION_NAMES = {"원활": "Free flow", "서행": "Slow", "정체": "Jammed"}
# Seoul's own English for citydata's crowd levels.
CROWD_NAMES = {"여유": "Relaxed", "보통": "Normal", "약간 붐빔": "Slightly crowded", "붐빔": "Crowded"}
PRECIPITATION_NAMES = {
    "없음": ("강수 없음", "no rain"),
    "비": ("비", "Rain"),
    "눈": ("눈", "Snow"),
    "비/눈": ("비·눈", "Rain and snow"),
    "소나기": ("소나기", "Showers"),
    "빗방울": ("빗방울", "Drizzle"),
    "눈날림": ("눈날림", "Snow flurries"),
    "빗방울/눈날림": ("빗방울·눈날림", "Drizzle and flurries"),
}
POLLUTANT_NAMES = {"pm10": "PM10", "pm25": "PM2.5", "o3": "O₃", "no2": "NO₂", "co": "CO", "so2": "SO₂"}


SCRIPT_WORDS = ("as_of", "just_now", "minutes_ago", "hours_ago")  # the words the pages' scripts write


def script_words() -> dict[str, dict[str, str]]:
    """The words the pages' scripts write, per language, with their {placeholders}."""
    return {lang: {key: t(key, lang) for key in SCRIPT_WORDS} for lang in LANGUAGES}


def language(value: object) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **values: object) -> str:
    korean, english = TEXT[key]
    template = english if lang == "en" else korean
    return template.format(**values) if values else template


def district_name(code: str, lang: str, fallback: str = "") -> str:
    district = BY_CODE.get(code)
    if district is None:
        return fallback
    return district.name_en if lang == "en" else district.name


def grade_name(grade: str | None, lang: str) -> str:
    if not grade:
        return t("no_data", lang)
    return GRADE_NAMES.get(grade, grade) if lang == "en" else grade


def station_word(note: str, lang: str, short: bool = False) -> str:
    """A station's own word for not reporting (점검중), in the wall's language."""
    if note in STATION_WORDS:
        return STATION_WORDS[note][(2 if short else 1) if lang == "en" else 0]
    return note if short else t("not_reporting", lang, word=note)


def air_word(reading, lang: str, short: bool = False) -> str:
    """What the wall says of a district's air (a layouts.summary.Reading, or None for no row): its
    grade, the station's word when it is not reporting, "CAI —" when it has no CAI."""
    if reading is None or (not reading.reporting and not reading.note):
        return t("no_data", lang)
    if not reading.reporting:
        return station_word(reading.note, lang, short)
    if reading.grade is None:
        return t("no_cai", lang)
    return grade_name(reading.grade, lang)


def incident_name(row, lang: str, part: str = "type") -> str:
    """An incident's type (or, with ``part="detail"``, its detail) as the feed named it in ``lang``:
    a frame row's ``type`` / ``type_en`` (``detail`` / ``detail_en``); "" when not named."""
    return getattr(row, f"{part}_en" if lang == "en" else part) or ""


def congestion_name(level: str, lang: str) -> str:
    return CONGESTION_NAMES.get(level, level) if lang == "en" else level


def crowd_name(level: str, lang: str) -> str:
    return CROWD_NAMES.get(level, level) if lang == "en" else level


def precipitation_name(kind: str, lang: str) -> str:
    return PRECIPITATION_NAMES.get(kind, (kind, kind))[1 if lang == "en" else 0]


# Why a feed is not live, in Korean: one wording per code of feeds/reasons.py (whose English is
# the reason itself). A result code keeps its code; an address or an exception's detail is left to
# the English reason (the log and /healthz).
RESULT_CODES_KO = {
    "INFO-100": "인증키가 유효하지 않습니다",
    "INFO-300": "인증키 사용이 제한되었습니다",
    "ERROR-300": "필수 값이 누락된 요청입니다",
    "ERROR-301": "요청한 파일 형식을 알 수 없습니다",
    "ERROR-310": "서비스를 찾을 수 없습니다",
    "ERROR-331": "요청 시작 위치가 올바르지 않습니다",
    "ERROR-332": "요청 종료 위치가 올바르지 않습니다",
    "ERROR-333": "요청 위치가 숫자가 아닙니다",
    "ERROR-334": "요청 시작 위치가 종료 위치보다 뒤에 있습니다",
    "ERROR-335": "샘플 인증키는 5건까지만 조회할 수 있습니다",
    "ERROR-336": "한 번에 1000건까지 요청할 수 있습니다",
    "ERROR-500": "서울 열린데이터광장 서버 오류",
    "ERROR-600": "서울 열린데이터광장 데이터베이스 오류",
    "ERROR-601": "서울 열린데이터광장 조회 오류",
}
REASON_WORDS: dict[str, str] = {
    "seoul.not_asked": "서울 열린데이터광장에 아직 요청하지 않았습니다",
    "seoul.held": "{reason} · {seconds}초 뒤 다시 시도",
    "seoul.connect_timeout": "서울 열린데이터광장에 {seconds}초 안에 연결하지 못했습니다",
    "seoul.read_timeout": "서울 열린데이터광장이 {seconds}초 안에 응답하지 않았습니다",
    "seoul.dropped": "서울 열린데이터광장이 응답 없이 연결을 끊었습니다",
    "seoul.unreachable": "서울 열린데이터광장에 연결할 수 없습니다",
    "seoul.request_failed": "서울 열린데이터광장 요청 실패 ({error})",
    "seoul.http_status": "서울 열린데이터광장 응답 HTTP {status}",
    "body.empty": "{service} 응답 내용이 비어 있습니다",
    "body.html": "{service} 응답이 자료가 아닌 웹 페이지입니다 (프록시 또는 서버 오류)",
    "body.unknown": "{service} 응답이 JSON도 XML도 아닙니다",
    "body.malformed": "{service} 응답의 {format} 형식이 올바르지 않습니다",
    "body.not_object": "{service} 응답의 JSON 구조가 올바르지 않습니다",
    "result.missing": "{service} 응답에 결과 코드가 없습니다",
    "result.known": "{result}: {meaning_ko}",
    "result.said": "{result}: 제공기관 응답 “{message}”",
    "result.unknown": "{result}: 제공기관이 알 수 없는 코드로 응답했습니다",
    "envelope.no_data": "{service} 응답에 자료가 없습니다",
    "envelope.malformed": "{service} 응답의 구조가 올바르지 않습니다",
    "envelope.no_rows": "{service} 응답에 자료 행이 없습니다",
    "envelope.bad_rows": "{service} 응답의 자료 행 형식이 올바르지 않습니다",
    "envelope.no_field": "{service} 응답에 {field} 항목이 없습니다",
    "envelope.bad_field": "{service} 응답의 {field} 형식이 올바르지 않습니다",
    "air.no_district": "{service} 응답에 서울 자치구의 자료가 없습니다",
    "air.no_time": "{service}: {district}의 측정 시각을 읽을 수 없습니다",
    "incident.no_id": "{service}: 사고 번호(acc_id)가 없는 자료",
    "incident.no_time": "{service}: 사고 {incident}의 발생 시각을 읽을 수 없습니다",
    "replay.no_answer": "녹화 {file}에 {asked} 요청의 응답이 없습니다",
    "poll.crashed": "처리 중 예기치 않은 오류 ({error})",
    "poll.no_news": "제공기관이 새 자료를 내지 않았습니다 (INFO-200) · 마지막 자료 표시 중",
    "poll.no_data_yet": "제공기관이 아직 자료를 내지 않았습니다 (INFO-200)",
    "store.down": "자료 저장소에 연결할 수 없습니다",
    "store.failed": "자료 저장소에 연결할 수 없습니다",
    "stale.silent": "{limit} 넘게 갱신 없음",
    "stale.old": "자료가 {limit} 넘게 지남",
    "stale.restored": "기록에서 복원 · 첫 수신 대기 중",
}


def reason_text(reason: str | None, lang: str) -> str:
    """A feed's error or stale reason in the wall's language: a ``Reason`` (feeds/reasons.py) is
    worded from its code; any other text (a source's own words) is shown as it came."""
    if not reason:
        return ""
    if lang == "en" or not isinstance(reason, Reason):
        return str(reason)
    values = {name: _param_ko(value) for name, value in reason.params.items()}
    if reason.code == "result.known":
        values["meaning_ko"] = RESULT_CODES_KO.get(reason.params["result"], reason.params["meaning"])
    return REASON_WORDS[reason.code].format(**values)


def _param_ko(value: object) -> str:
    if isinstance(value, Reason):
        return reason_text(value, "ko")
    if isinstance(value, Seconds):
        return duration_ko(value)
    return str(value)


def duration_ko(seconds: float) -> str:
    """ "15분", "2시간 5분": a duration as Korean writes it."""
    minutes = int(seconds // 60)
    return f"{minutes}분" if minutes < 120 else f"{minutes // 60}시간 {minutes % 60}분"
