"""Snowpark's exceptions, as a stored procedure sees them when one of its statements fails."""


class SnowparkClientException(Exception):
    def __init__(self, message, error_code=None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code

    def __str__(self):
        return f"({self.error_code}): {self.message}"


class SnowparkSQLException(SnowparkClientException):
    """A statement Snowflake refused: `sql_error_code` is its code as a number (002003 -> 2003), `sfqid`
    its query id, `raw_message` Snowflake's message; `message` reads like the connector's error."""

    def __init__(
        self,
        message,
        error_code=None,
        conn_error=None,
        sfqid=None,
        query=None,
        sql_error_code=None,
        raw_message=None,
    ):
        super().__init__(message, error_code)
        self.conn_error = conn_error
        self.sfqid = sfqid
        self.query = query
        self.sql_error_code = sql_error_code
        self.raw_message = raw_message
