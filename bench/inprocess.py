# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""trytond inside the benchmark's own process, on a copy of the demo
database: the same WSGI application as the server (RPC and portal routes),
called through werkzeug's test client, with every SQL statement counted.

Statements are counted from Tryton's own SQL log: on SQLite the database
connection's trace callback (every statement SQLite runs), on PostgreSQL
the logging cursor (every statement sent).  The count is of what a request
runs, from the session check to the commit."""
import base64
import logging
import os
import shutil
import tempfile
import xmlrpc.client
from collections import Counter
from contextlib import contextmanager

from common import ROOT, PortalSession, backend, demo_file

SQL_LOGGERS = [
    'trytond.backend.sqlite.database',
    'trytond.backend.postgresql.database',
    ]
# Transaction control, not counted as statements of the request
CONTROL = {'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'PRAGMA'}


class SQLCounter(logging.Handler):
    "Counts the statements Tryton logs while active, by first keyword"

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.active = False
        self.kinds = Counter()
        self.statements = []

    def emit(self, record):
        if not self.active:
            return
        text = str(record.msg if not record.args else record.getMessage())
        text = text.strip()
        kind = text.split(None, 1)[0].upper() if text else ''
        self.kinds[kind] += 1
        if kind not in CONTROL:
            self.statements.append(text)

    @contextmanager
    def count(self):
        self.kinds.clear()
        self.statements = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    @property
    def total(self):
        "Statements, without transaction control"
        return sum(n for k, n in self.kinds.items() if k not in CONTROL)


class Tryton:
    """The trytond WSGI application in this process, on a copy of the demo
    database (or of sqlite_file)"""

    def __init__(self, sqlite_file=None):
        self.sqlite_file = sqlite_file
        self.folder = tempfile.mkdtemp(prefix='dms-bench-')
        self.counter = SQLCounter()

    def start(self):
        from tests import fixtures
        if backend() == 'postgresql':
            template = fixtures._pg_demo_template()
            self.database = 'dmsbench_%s' % os.getpid()
            fixtures._psql('DROP DATABASE IF EXISTS "%s"' % self.database)
            fixtures._psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (
                    self.database, template))
            uri = fixtures._pg_uri()
        else:
            self.database = 'dms_bench'
            shutil.copy(self.sqlite_file or demo_file(),
                os.path.join(self.folder, 'dms_bench.sqlite'))
            uri = 'sqlite://'
        # The SQL log is read only if enabled when the connection is made
        for name in SQL_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.addHandler(self.counter)
            logger.propagate = False

        from trytond import config
        config.update_etc(os.path.join(ROOT, 'config', 'trytond.conf'))
        config.set('database', 'uri', uri)
        config.set('database', 'path', self.folder)
        from trytond.pool import Pool
        from trytond.wsgi import app
        from werkzeug.test import Client
        from werkzeug.wrappers import Response
        Pool.start()
        Pool(self.database).init()
        self.client = Client(app, Response, use_cookies=False)
        return self

    def stop(self):
        from tests import fixtures
        from trytond import backend as tryton_backend
        tryton_backend.Database(self.database).close()
        if backend() == 'postgresql':
            fixtures._psql(
                'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.database)
        shutil.rmtree(self.folder, ignore_errors=True)

    def session_rpc(self, login, password):
        "An XML-RPC proxy that goes through the WSGI application"
        path = '/%s/rpc/' % self.database
        user_id, session = _Proxy(self, path, {}).common.db.login(
            login, {'password': password}, 'en')[:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        return _Proxy(self, path, {'Authorization': 'Session ' + token}).model

    def portal(self):
        return _Portal(self)


class _Proxy:
    def __init__(self, tryton, path, headers, name=''):
        self._tryton, self._path, self._headers = tryton, path, headers
        self._name = name

    def __getattr__(self, name):
        return _Proxy(self._tryton, self._path, self._headers,
            '%s.%s' % (self._name, name) if self._name else name)

    def __call__(self, *args):
        body = xmlrpc.client.dumps(args, self._name, allow_none=True)
        response = self._tryton.client.post(self._path, data=body,
            headers={**self._headers, 'Content-Type': 'text/xml'})
        result, = xmlrpc.client.loads(
            response.get_data(), use_datetime=True)[0]
        return result


class _Portal(PortalSession):
    "A dealer's browser in the portal, through the WSGI application"

    def __init__(self, tryton):
        self.tryton = tryton
        self.base = '/%s/portal/' % tryton.database
        self.cookies = {}

    def _send(self, method, url, body, headers):
        kwargs = {'data': body} if body is not None else {}
        response = self.tryton.client.open(
            url, method=method, headers=headers, **kwargs)
        return (response.status_code, response.headers,
            response.headers.getlist('Set-Cookie'), response.get_data())
