"""Key rotation at rest: every value encrypted with the key file (a Fernet token, in any table) re-encrypted
under the newest key, one table at a time, while nodes keep running."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, String, Table, Text, and_, select

from applinks.crypto import SecretBox

FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with its version byte 0x80, base64url-encoded


def _text_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns if isinstance(column.type, String | Text)]


def _sealed(value: object, box: SecretBox) -> bool:
    return isinstance(value, str) and value.startswith(FERNET_PREFIX) and box.can_decrypt(value)


def rotate_secrets(engine: Engine, box: SecretBox) -> dict[str, int]:
    """Re-encrypt every stored secret under ``box``'s first key; returns how many values per table.

    Tables are read from the database itself (not from a list kept in code), so a secret column added by a
    later migration is rotated too. A value counts as a secret only if it is a Fernet token this key file
    decrypts (its HMAC must verify): nothing else is touched."""
    metadata = MetaData()
    metadata.reflect(engine)
    done: dict[str, int] = {}
    for table in metadata.sorted_tables:
        columns = _text_columns(table)
        keys = list(table.primary_key.columns)
        if not columns or not keys:
            continue
        count = 0
        with engine.begin() as conn:
            for row in conn.execute(select(table)).mappings().all():
                changes = {
                    name: box.rotate(value)
                    for name in columns
                    if isinstance(value := row[name], str)
                    and value.startswith(FERNET_PREFIX)
                    and box.can_decrypt(value)
                }
                if changes:
                    where = and_(*(key == row[key.name] for key in keys))
                    conn.execute(table.update().where(where).values(**changes))
                    count += len(changes)
        if count:
            done[table.name] = count
    return done
