"""Every SQL statement the dashboard runs, and nothing else.

Each query function returns (sql, params): portable Snowflake SQL with qmark binds (`?`), which is what
Snowpark's `session.sql(sql, params=params)` takes. User choices (dates, the account) only ever travel as
bind values; the SQL text is built from the fixed kind registry below and the validated database and
schema names, nothing else.

This module imports neither streamlit nor snowpark: the repository's tests import it with plain python3 and
run its SQL against the Snowflake stand-in (test/integration/dashboard-queries.test.ts).

The dashboard reads only the landing tables (one per data kind, keyed by ACCOUNT and DAY, with LOADED_AT,
the time the row last changed). ACCOUNT is the account's label in the connect app: `default` for its built-in
account, or the label it was added with (one per person: a household, a study). It does not read FITBIT_LOAD_RUNS: readers are not granted SELECT on it, and
the status page of the connect app is where load runs are shown.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import List, Mapping, Optional, Tuple, Union

Query = Tuple[str, List[str]]
Day = Union[datetime.date, str]

DEFAULT_DATABASE = 'FITBIT'
DEFAULT_SCHEMA = 'PUBLIC'

# Configuration keys, read by the app from the environment or st.secrets (see README.md).
CONFIG_DATABASE = 'FITBIT_DASHBOARD_DATABASE'
CONFIG_SCHEMA = 'FITBIT_DASHBOARD_SCHEMA'
CONFIG_KINDS = 'FITBIT_DASHBOARD_KINDS'
CONFIG_KEYS = (CONFIG_DATABASE, CONFIG_SCHEMA, CONFIG_KINDS)


@dataclass(frozen=True)
class Kind:
    name: str  # as in the app's PIPELINE_DATA_TYPES setting
    table: str
    value: str  # the column the charts and weekly averages lead with
    columns: Tuple[str, ...]  # every value column of the table, `value` first
    label: str
    unit: str


# The landing tables, as the pipeline script (sql/pipeline-google-health.sql) creates them.
KINDS = {
    k.name: k
    for k in (
        Kind('steps', 'FITBIT_STEPS', 'STEPS', ('STEPS',), 'Steps', 'steps'),
        Kind('distance', 'FITBIT_DISTANCE', 'DISTANCE_M', ('DISTANCE_M',), 'Distance', 'm'),
        Kind('calories', 'FITBIT_CALORIES', 'CALORIES_KCAL', ('CALORIES_KCAL',), 'Calories', 'kcal'),
        Kind(
            'active_minutes',
            'FITBIT_ACTIVE_MINUTES',
            'ACTIVE_ZONE_MINUTES',
            ('ACTIVE_ZONE_MINUTES', 'FAT_BURN_MINUTES', 'CARDIO_MINUTES', 'PEAK_MINUTES'),
            'Active zone minutes',
            'min',
        ),
        Kind(
            'resting_heart_rate',
            'FITBIT_RESTING_HEART_RATE',
            'RESTING_HEART_RATE',
            ('RESTING_HEART_RATE',),
            'Resting heart rate',
            'bpm',
        ),
        Kind(
            'sleep',
            'FITBIT_SLEEP',
            'SLEEP_MINUTES',
            (
                'SLEEP_MINUTES',
                'IN_BED_MINUTES',
                'SLEEP_EFFICIENCY',
                'DEEP_MINUTES',
                'LIGHT_MINUTES',
                'REM_MINUTES',
                'AWAKE_MINUTES',
            ),
            'Sleep',
            'min',
        ),
    )
}
KIND_NAMES = tuple(KINDS)

# An unquoted Snowflake identifier: the only kind of database or schema name accepted, so that a name
# from the configuration can never change the statement around it.
_IDENTIFIER = re.compile(r'^[A-Za-z_][A-Za-z0-9_$]{0,254}$')


@dataclass(frozen=True)
class Settings:
    database: str = DEFAULT_DATABASE
    schema: str = DEFAULT_SCHEMA
    kinds: Tuple[str, ...] = KIND_NAMES  # the kinds whose tables exist (what the pipeline lands)

    def table(self, kind: str) -> str:
        """The fully qualified name of a kind's landing table: the one place names are built."""
        return f'{self.database}.{self.schema}.{_kind(kind).table}'


def settings_from(config: Mapping[str, object]) -> Settings:
    """Settings from the app's configuration (environment or st.secrets); missing keys keep the defaults."""
    database = _identifier(config.get(CONFIG_DATABASE), DEFAULT_DATABASE, CONFIG_DATABASE)
    schema = _identifier(config.get(CONFIG_SCHEMA), DEFAULT_SCHEMA, CONFIG_SCHEMA)
    kinds = KIND_NAMES
    raw = config.get(CONFIG_KINDS)
    if raw is not None and str(raw).strip():
        kinds = tuple(k.strip().lower() for k in str(raw).split(',') if k.strip())
        if not kinds:
            raise ValueError(f'{CONFIG_KINDS} names no data kind: one or more of {", ".join(KIND_NAMES)}')
        for k in kinds:
            _kind(k)
    return Settings(database, schema, kinds)


def daily_series(
    settings: Settings, kind: str, start_day: Day, end_day: Day, account: Optional[str] = None
) -> Query:
    """One row per account and day from start_day to end_day (inclusive), with every value column."""
    k = _kind(kind)
    where, params = _between('DAY', start_day, end_day, account, 'ACCOUNT')
    sql = (
        f'SELECT DAY, ACCOUNT, {", ".join(k.columns)}\n'
        f'  FROM {settings.table(kind)}\n'
        f' WHERE {where}\n'
        ' ORDER BY DAY, ACCOUNT'
    )
    return sql, params


def weekly_averages(
    settings: Settings, kind: str, start_day: Day, end_day: Day, account: Optional[str] = None
) -> Query:
    """Per account and week, the average of each value column over the days that have one.

    Weeks are Snowflake's: DATE_TRUNC('week', DAY) starts them on the day the WEEK_START parameter names
    (0, the default, means Monday). Whole weeks: the first week starts on the Monday of start_day's week.
    DAYS_WITH_DATA counts the days with a value in the leading column.
    """
    k = _kind(kind)
    params = [_iso(start_day), _iso(end_day)]
    where = "DAY >= DATE_TRUNC('week', TO_DATE(?)) AND DAY <= TO_DATE(?)"
    if account is not None:
        where += ' AND ACCOUNT = ?'
        params.append(account)
    averages = ', '.join(f'ROUND(AVG({c}), 1) AS AVG_{c}' for c in k.columns)
    sql = (
        f"SELECT DATE_TRUNC('week', DAY) AS WEEK, ACCOUNT, {averages}, COUNT({k.value}) AS DAYS_WITH_DATA\n"
        f'  FROM {settings.table(kind)}\n'
        f' WHERE {where}\n'
        f" GROUP BY DATE_TRUNC('week', DAY), ACCOUNT\n"
        ' ORDER BY WEEK, ACCOUNT'
    )
    return sql, params


def sleep_vs_activity(
    settings: Settings, start_day: Day, end_day: Day, account: Optional[str] = None
) -> Query:
    """Each day's activity beside the sleep of the night that followed it.

    A night's sleep lands on the civil date it ends on (the morning after), so a day's steps and active
    zone minutes pair with the FITBIT_SLEEP row of the next day (SLEEP_DAY). Days run from the steps
    table; a day without active minutes or without that night's sleep keeps NULLs there.
    """
    for kind in ('steps', 'active_minutes', 'sleep'):
        _kind(kind)
    where, params = _between('a.DAY', start_day, end_day, account, 'a.ACCOUNT')
    sql = (
        'SELECT a.DAY AS DAY, a.ACCOUNT AS ACCOUNT, a.STEPS AS STEPS,\n'
        '       m.ACTIVE_ZONE_MINUTES AS ACTIVE_ZONE_MINUTES,\n'
        '       s.DAY AS SLEEP_DAY, s.SLEEP_MINUTES AS SLEEP_MINUTES,\n'
        '       s.SLEEP_EFFICIENCY AS SLEEP_EFFICIENCY\n'
        f'  FROM {settings.table("steps")} a\n'
        f'  LEFT JOIN {settings.table("active_minutes")} m ON m.ACCOUNT = a.ACCOUNT AND m.DAY = a.DAY\n'
        f'  LEFT JOIN {settings.table("sleep")} s\n'
        '    ON s.ACCOUNT = a.ACCOUNT AND s.DAY = DATEADD(day, 1, a.DAY)\n'
        f' WHERE {where}\n'
        ' ORDER BY a.DAY, a.ACCOUNT'
    )
    return sql, params


def freshness(settings: Settings, today: Day, account: Optional[str] = None) -> Query:
    """Per kind: the latest day landed, when a row last changed, how many days are landed, and how many
    days the latest one is behind `today` (the app's date, passed in so no session time zone is involved).

    LAST_CHANGED_AT is MAX(LOADED_AT): a load that changed nothing leaves it as it was, so it tells when
    data last arrived, not when the load last ran (that is in FITBIT_LOAD_RUNS, which this does not read).
    """
    parts = []
    params: List[str] = []
    for kind in settings.kinds:
        where = ''
        params.append(_iso(today))
        if account is not None:
            where = ' WHERE ACCOUNT = ?'
            params.append(account)
        parts.append(
            f"SELECT '{_kind(kind).name}' AS KIND, MAX(DAY) AS LATEST_DAY,\n"
            '       MAX(LOADED_AT) AS LAST_CHANGED_AT, COUNT(*) AS DAYS_LANDED,\n'
            '       DATEDIFF(day, MAX(DAY), TO_DATE(?)) AS DAYS_BEHIND\n'
            f'  FROM {settings.table(kind)}{where}'
        )
    return '\nUNION ALL\n'.join(parts) + '\nORDER BY KIND', params


def accounts(settings: Settings) -> Query:
    """Every account (its label) with a row in any of the landing tables (several share them)."""
    parts = [f'SELECT ACCOUNT FROM {settings.table(kind)}' for kind in settings.kinds]
    return '\nUNION\n'.join(parts) + '\nORDER BY ACCOUNT', []


def _between(column: str, start_day: Day, end_day: Day, account: Optional[str], account_column: str):
    where = f'{column} BETWEEN TO_DATE(?) AND TO_DATE(?)'
    params = [_iso(start_day), _iso(end_day)]
    if account is not None:
        where += f' AND {account_column} = ?'
        params.append(account)
    return where, params


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise ValueError(f'unknown data kind {name!r}: one of {", ".join(KIND_NAMES)}')
    return kind


def _identifier(value: object, default: str, key: str) -> str:
    if value is None or not str(value).strip():
        return default
    text = str(value).strip()
    if not _IDENTIFIER.match(text):
        raise ValueError(f'{key} must be an unquoted Snowflake identifier (letters, digits, _, $): {text!r}')
    return text.upper()


def _iso(day: Day) -> str:
    """A date as YYYY-MM-DD for TO_DATE(?); a string must already be one."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    if isinstance(day, datetime.date):
        return day.isoformat()
    return datetime.date.fromisoformat(str(day)).isoformat()
