# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A real trytond server on a copy of the demo database, for the
cross-module tests (RPC, browser).

The demo database is built once per version of addons/ (and per language of
the demo, English unless a server asks for another) by tools/demo and
kept in the test cache (.cache/db): a SQLite file, or a PostgreSQL template
database when DMS_TEST_BACKEND is postgresql.  Each server gets its own copy.
"""
import base64
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
TRYTOND = os.path.join(os.path.dirname(PYTHON), 'trytond')
CONFIG = os.path.join(ROOT, 'config', 'trytond.conf')
SAO = os.path.join(ROOT, 'vendor', 'sao', 'package')
# The demo generator, a package run as `python tools/demo`
DEMO = os.path.join(ROOT, 'tools', 'demo')
DEMO_LOGINS = {
    'admin': ('admin', 'admin'),
    'd0001.admin': ('d0001.admin@dealers.example.com', 'demo1234'),
    'd0001.buyer': ('d0001.buyer@dealers.example.com', 'demo1234'),
    'd0005.admin': ('d0005.admin@dealers.example.com', 'demo1234'),
    }


def _backend():
    return os.environ.get('DMS_TEST_BACKEND', 'sqlite')


def _pg_uri():
    return os.environ.get(
        'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/')


def _demo_hash():
    "Hash of what the demo database is built from: addons/ and tools/demo/"
    digest = hashlib.sha256()
    paths = [os.path.join(DEMO, f) for f in os.listdir(DEMO)
        if f.endswith('.py')]
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, 'addons')):
        paths.extend(
            os.path.join(dirpath, f) for f in filenames
            if f.endswith(('.py', '.xml', '.cfg', '.po', '.svg')))
    for path in sorted(paths):
        digest.update(os.path.relpath(path, ROOT).encode())
        with open(path, 'rb') as fp:
            digest.update(fp.read())
    return digest.hexdigest()[:12]


def _env(config=CONFIG, **extra):
    env = os.environ.copy()
    for key in ['DB_NAME', 'DB_CACHE', 'TRYTOND_DATABASE_URI']:
        env.pop(key, None)
    env['TRYTOND_CONFIG'] = config
    env['TRYTOND_WEB__ROOT'] = SAO
    env.update(extra)
    return env


def _run_demo(database, *arguments, **env):
    result = subprocess.run(
        [PYTHON, DEMO,
            '--database', database, *(arguments or ['--size', 'small'])],
        env=_env(**env), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(
            "tools/demo failed:\n" + result.stdout + result.stderr)


def _demo_arguments(lang):
    "The arguments of tools/demo for the demo in lang"
    return ['--size', 'small', '--lang', lang]


def _sqlite_demo_file(lang='en'):
    """The demo database in lang for this version of addons/, built once

    The demos of every language are filled from a copy of one database
    where the modules are activated (the longest part of the build).
    Several runs (tests, benchmarks) may want it at once: a lock lets one
    build it while the others wait.  Other versions are removed once they
    are a day old (a run of another version may still use them)."""
    parent = os.path.join(ROOT, '.cache', 'demo')
    digest = _demo_hash()
    # The English demo keeps the name it always had
    prefix = 'sqlite-' if lang == 'en' else 'sqlite-%s-' % lang
    folder = os.path.join(parent, prefix + digest)
    path = os.path.join(folder, 'dms_test.sqlite')
    if os.path.exists(path):
        return path
    os.makedirs(parent, exist_ok=True)
    with open(os.path.join(parent, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(path):
            for name in os.listdir(parent):
                other = os.path.join(parent, name)
                # Other versions, whatever their language
                if (name.startswith('sqlite-')
                        and not name.endswith('-' + digest)
                        and time.time() - os.path.getmtime(other) > 86400):
                    shutil.rmtree(other, ignore_errors=True)
            base = os.path.join(parent, 'sqlite-base-' + digest)
            if not os.path.exists(os.path.join(base, 'dms_test.sqlite')):
                shutil.rmtree(base + '.building', ignore_errors=True)
                os.makedirs(base + '.building')
                _run_demo('dms_test', '--modules-only',
                    TRYTOND_DATABASE__PATH=base + '.building')
                os.rename(base + '.building', base)
            building = folder + '.building'
            shutil.rmtree(building, ignore_errors=True)
            os.makedirs(building)
            shutil.copy(os.path.join(base, 'dms_test.sqlite'), building)
            _run_demo('dms_test', *_demo_arguments(lang),
                TRYTOND_DATABASE__PATH=building)
            os.rename(building, folder)
    return path


def _psql(sql, database='postgres'):
    import psycopg
    with psycopg.connect(_pg_uri() + database, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def _pg_demo_template(lang='en'):
    """The template database of the demo in lang for this version of
    addons/, filled from a copy of a database where the modules are
    activated (shared by the languages)"""
    digest = _demo_hash()
    name = 'dmsdemo_' + digest
    if lang != 'en':
        name += '_' + lang.lower()
    base = 'dmsbase_' + digest
    existing = {r[0] for r in _psql(
            "SELECT datname FROM pg_database WHERE datname LIKE 'dmsdemo_%' "
            "OR datname LIKE 'dmsbase_%'")}
    # Other versions, whatever their language
    for old in existing:
        if digest not in old:
            _psql('DROP DATABASE IF EXISTS "%s"' % old)
    if name not in existing:
        if base not in existing:
            _run_demo(base, '--modules-only',
                TRYTOND_DATABASE__URI=_pg_uri())
        _psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (name, base))
        try:
            _run_demo(name, *_demo_arguments(lang),
                TRYTOND_DATABASE__URI=_pg_uri())
        except BaseException:
            # Never a half-filled demo for the next run
            _psql('DROP DATABASE IF EXISTS "%s"' % name)
            raise
    return name


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class DemoServer:
    """trytond serving its own copy of the demo database on a free port

    config: {section: {option: value}} to change in the configuration file
    (its values win over TRYTOND_* environment variables); lang: the
    language of the demo (tools/demo --lang)"""

    def __init__(self, config=None, processes=None, threads=8, lang='en'):
        self.lang = lang
        # processes: serve with gunicorn (trytond.application:app) in so
        # many processes of threads threads, as in production, instead of
        # trytond's own threaded server
        self.processes, self.threads = processes, threads
        self.port = free_port()
        self.url = 'http://127.0.0.1:%s' % self.port
        self.process = None
        self.workers = []
        self.folder = tempfile.mkdtemp(prefix='dms-test-')
        self.log_path = os.path.join(self.folder, 'trytond.log')
        import configparser
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(CONFIG)
        # The links of the e-mails lead to this server
        config = {**(config or {})}
        config['dms_portal'] = {
            'base_url': self.url, **config.get('dms_portal', {})}
        for section, options in config.items():
            if not parser.has_section(section):
                parser.add_section(section)
            for option, value in options.items():
                parser.set(section, option, str(value))
        self.config = os.path.join(self.folder, 'trytond.conf')
        with open(self.config, 'w') as fp:
            parser.write(fp)

    def start(self):
        env = {'TRYTOND_WEB__LISTEN': '127.0.0.1:%s' % self.port}
        if _backend() == 'postgresql':
            # Without argument for English: bench/ replaces the function
            template = (_pg_demo_template() if self.lang == 'en'
                else _pg_demo_template(self.lang))
            self.database = 'dmstest_%s_%s' % (os.getpid(), self.port)
            _psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (
                    self.database, template))
            env['TRYTOND_DATABASE__URI'] = _pg_uri()
        else:
            self.database = 'dms_test'
            shutil.copy(_sqlite_demo_file() if self.lang == 'en'
                else _sqlite_demo_file(self.lang),
                os.path.join(self.folder, 'dms_test.sqlite'))
            env['TRYTOND_DATABASE__PATH'] = self.folder
        self.env = env
        self.log = open(self.log_path, 'w')
        if self.processes:
            command = [os.path.join(os.path.dirname(PYTHON), 'gunicorn'),
                '--workers', str(self.processes),
                '--worker-class', 'gthread', '--threads', str(self.threads),
                '--bind', '127.0.0.1:%s' % self.port,
                '--access-logfile', '-',
                '--access-logformat', '%(h)s - - %(t)s "%(r)s" %(s)s -',
                'trytond.application:app']
            env['TRYTOND_DATABASE_NAMES'] = self.database
            env['TRYTOND_LOGGING_LEVEL'] = '30'
        else:
            command = [TRYTOND, '-d', self.database]
        self.process = subprocess.Popen(command,
            env=_env(self.config, **env), stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("trytond stopped:\n" + self.read_log())
            try:
                urllib.request.urlopen(self.url + '/', timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("trytond did not start:\n" + self.read_log())
        return self

    def run_demo(self, *arguments):
        "Run the demo generator again on the server's database"
        env = {k: v for k, v in self.env.items()
            if k not in {'TRYTOND_WEB__LISTEN', 'TRYTOND_DATABASE_NAMES',
                'TRYTOND_LOGGING_LEVEL'}}
        _run_demo(self.database, *arguments, **env)

    def start_worker(self, processes=1):
        """Start trytond-worker on the database (with [queue] worker set);
        it and its processes are a process group of their own"""
        env = {k: v for k, v in self.env.items() if k != 'TRYTOND_WEB__LISTEN'}
        log = open(os.path.join(
                self.folder, 'worker-%s.log' % len(self.workers)), 'w')
        worker = subprocess.Popen(
            [TRYTOND + '-worker', '-d', self.database, '-n', str(processes),
                '-t', '1', '-v'],
            env=_env(self.config, **env), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        worker.log = log
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker, sig=None):
        "Kill the worker's process group (SIGKILL by default)"
        import signal
        try:
            os.killpg(worker.pid, sig or signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.wait(10)
        worker.log.close()

    def read_worker_logs(self):
        logs = []
        for worker in self.workers:
            with open(worker.log.name) as fp:
                logs.append(fp.read())
        return '\n'.join(logs)

    def read_log(self):
        with open(self.log_path) as fp:
            return fp.read()

    def stop(self):
        for worker in self.workers:
            if worker.poll() is None:
                self.kill_worker(worker)
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()
            self.process = None
        if _backend() == 'postgresql' and getattr(self, 'database', None):
            _psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.database)
        shutil.rmtree(self.folder, ignore_errors=True)

    def rpc(self, login, password):
        "An XML-RPC proxy authenticated with HTTP basic auth"
        from urllib.parse import quote
        return xmlrpc.client.ServerProxy(
            'http://%s:%s@127.0.0.1:%s/%s/rpc/' % (
                quote(login, safe=''), quote(password, safe=''), self.port,
                self.database),
            allow_none=True, use_datetime=True)

    def session_rpc(self, login, password):
        """An XML-RPC proxy authenticated with a session, as Tryton's
        clients do: the password is checked once, not at each call as with
        basic auth (a slow hash on purpose)"""
        url = '%s/%s/rpc/' % (self.url, self.database)
        login_proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
        user_id, session = login_proxy.common.db.login(
            login, {'password': password}, 'en')[:2]
        token = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        return xmlrpc.client.ServerProxy(url, allow_none=True,
            use_datetime=True,
            headers=[('Authorization', 'Session ' + token)])

    def create_user(self, login, password, dealer_code=None,
            groups=('DMS Integration',)):
        "Create a back-office user of the company (as admin) and its id"
        admin = self.rpc(*DEMO_LOGINS['admin']).model
        group_ids = admin.res.group.search(
            [('name', 'in', list(groups))], 0, None, None, {})
        assert len(group_ids) == len(groups), groups
        company_id, = admin.company.company.search([], 0, None, None, {})
        dealer_id = None
        if dealer_code:
            dealer_id, = admin.dms.dealer.search(
                [('code', '=', dealer_code)], 0, None, None, {})
        user_id, = admin.res.user.create([{
                    'login': login, 'name': login, 'password': password,
                    'dealer': dealer_id, 'groups': [('add', group_ids)],
                    'companies': [('add', [company_id])],
                    'company': company_id,
                    }], {})
        return user_id

    def __enter__(self):
        return self.start()

    def __exit__(self, *args):
        self.stop()
