"""Fitbit data in Snowflake: a Streamlit in Snowflake dashboard over the landing tables.

Rendering only. Every statement comes from queries.py, whose SQL the repository's tests run against the
Snowflake stand-in; this file needs Streamlit in Snowflake to run and is not run by those tests.
"""

import datetime
import os

import altair as alt  # ships with streamlit
import pandas as pd
import streamlit as st
from snowflake.snowpark.context import get_active_session

import queries

STALE_AFTER_DAYS = 2  # the daily load runs once a day and devices sync late: two days behind is normal
RANGES = {f'Last {n} days': n for n in (7, 30, 90, 180, 365)}
ALL_ACCOUNTS = 'All accounts'

session = get_active_session()


def read_config() -> dict:
    """The app's settings: the environment first, then st.secrets (neither exists in a warehouse runtime)."""
    config = {}
    try:
        config.update({k: st.secrets[k] for k in queries.CONFIG_KEYS if k in st.secrets})
    except Exception:  # no secrets.toml: Streamlit raises rather than answering "not there"
        pass
    config.update({k: os.environ[k] for k in queries.CONFIG_KEYS if k in os.environ})
    return config


@st.cache_data(ttl=300, show_spinner=False)
def run(sql: str, params: tuple) -> pd.DataFrame:
    return session.sql(sql, params=list(params)).to_pandas()


def fetch(query) -> pd.DataFrame:
    sql, params = query
    return run(sql, tuple(params))


def by_account(df: pd.DataFrame, index: str, column: str) -> pd.DataFrame:
    """One column per account, for st.line_chart / st.bar_chart."""
    df = df.assign(**{column: pd.to_numeric(df[column], errors='coerce')})
    return df.pivot_table(index=index, columns='ACCOUNT', values=column, aggfunc='first')


settings = queries.settings_from(read_config())
today = datetime.datetime.now(datetime.timezone.utc).date()

st.title('Fitbit data in Snowflake')
st.caption(f'Landing tables in {settings.database}.{settings.schema}')

kind_name = st.sidebar.selectbox('Data', settings.kinds, format_func=lambda k: queries.KINDS[k].label)
days = RANGES[st.sidebar.selectbox('Range', list(RANGES), index=1)]
account_names = fetch(queries.accounts(settings))['ACCOUNT'].tolist()
# The connect app's account labels: `default` is its built-in account, the others are the labels it added.
choice = st.sidebar.selectbox('Account', [ALL_ACCOUNTS, *account_names])
account = None if choice == ALL_ACCOUNTS else choice
start = today - datetime.timedelta(days=days - 1)
kind = queries.KINDS[kind_name]

# Freshness: from the landing tables only (the status page of the connect app shows the load runs).
fresh = fetch(queries.freshness(settings, today, account))
behind = fresh[fresh['DAYS_BEHIND'].isna() | (pd.to_numeric(fresh['DAYS_BEHIND']) > STALE_AFTER_DAYS)]
if fresh['LATEST_DAY'].isna().all():
    st.warning('No data has landed yet: has the daily load run?')
elif len(behind):
    kinds = ', '.join(behind['KIND'])
    st.warning('More than %d days behind, or nothing landed: %s' % (STALE_AFTER_DAYS, kinds))
else:
    st.success('Up to date: latest day %s' % fresh['LATEST_DAY'].max())
with st.expander('Freshness per data kind'):
    st.dataframe(fresh)

st.header(f'{kind.label} ({kind.unit}), daily')
daily = fetch(queries.daily_series(settings, kind_name, start, today, account))
if daily.empty:
    st.info('No rows in this range.')
else:
    st.line_chart(by_account(daily, 'DAY', kind.value))
    if len(kind.columns) > 1 and account is not None:
        st.bar_chart(daily.set_index('DAY')[list(kind.columns[1:])].apply(pd.to_numeric, errors='coerce'))

st.header(f'{kind.label} ({kind.unit}), weekly average')
weekly = fetch(queries.weekly_averages(settings, kind_name, start, today, account))
if not weekly.empty:
    st.bar_chart(by_account(weekly, 'WEEK', f'AVG_{kind.value}'))
    st.dataframe(weekly)

if all(k in settings.kinds for k in ('steps', 'active_minutes', 'sleep')):
    st.header('Sleep vs activity')
    st.caption("Each day's steps beside the sleep of the night that followed it.")
    pairs = fetch(queries.sleep_vs_activity(settings, start, today, account)).dropna(subset=['SLEEP_MINUTES'])
    if not pairs.empty:
        pairs = pairs.astype({'DAY': str, 'SLEEP_DAY': str})  # dates as text for the chart's JSON
        chart = (
            alt.Chart(pairs)
            .mark_circle()
            .encode(
                x=alt.X('STEPS:Q', title='Steps'),
                y=alt.Y('SLEEP_MINUTES:Q', title='Minutes asleep the following night'),
                color='ACCOUNT:N',
                tooltip=list(pairs.columns),
            )
        )
        st.altair_chart(chart)
