from hourglass.database import connect
from hourglass.migrate import check_schema


def test_a_migrated_database_reports_the_postgres_backend(pg_db):
    with connect(pg_db) as conn:
        assert check_schema(conn) == "postgres"
