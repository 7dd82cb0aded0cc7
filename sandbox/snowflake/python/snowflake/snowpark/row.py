"""Snowpark's Row: a tuple whose values are also reachable by column name (row.NAME, row["NAME"])."""


class Row(tuple):
    def __new__(cls, values, fields):
        row = super().__new__(cls, values)
        row._fields = tuple(fields)
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                key = self._fields.index(key)
            except ValueError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields", ())
        if name in fields:
            return tuple.__getitem__(self, fields.index(name))
        raise AttributeError(f"Row has no field '{name}'")

    def as_dict(self, recursive=False):
        return dict(zip(self._fields, self))

    asDict = as_dict

    def __repr__(self):
        return "Row(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self)) + ")"
