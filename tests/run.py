#!/usr/bin/env python3
"""Run the whole DMS test suite: every module's tests and the cross-module
tests under tests/, on SQLite (default) or PostgreSQL (--postgresql URI).

Tryton's test database cache (DB_CACHE) is keyed on a hash of addons/ because
Tryton keys it on module names only: a change of code or XML builds a new
cache entry instead of reusing a stale one.
"""
import argparse
import hashlib
import os
import re
import shutil
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')
CACHE = os.path.join(ROOT, '.cache', 'db')


def addons_hash():
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(ADDONS):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in {'__pycache__'} and not d.endswith('.egg-info'))
        for filename in sorted(filenames):
            if filename.endswith(('.pyc', '.rst', '.md')) \
                    or filename == 'CHANGELOG':
                continue
            path = os.path.join(dirpath, filename)
            digest.update(os.path.relpath(path, ADDONS).encode())
            with open(path, 'rb') as fp:
                digest.update(fp.read())
    return digest.hexdigest()[:16]


def pg_template_cache(key):
    """Tryton's test database cache on PostgreSQL as template databases
    named with the key of addons/

    With DB_CACHE=postgresql://, Tryton keeps each cached database as a
    template database and creates the test database from it (CREATE
    DATABASE ... TEMPLATE copies files: a fraction of a second, where
    pg_restore of a dump takes seconds), but it names the templates after
    the modules only: the key in their names keeps a template from another
    version of addons/ from being used, and those are dropped."""
    from trytond.tests import test_tryton

    prefix = 'test-%s-' % key[:12]

    def _db_cache_file(path, name):
        digest = hashlib.shake_128(name.encode('utf8')).hexdigest(20)
        return '%s/%s%s' % (test_tryton.DB_CACHE, prefix, digest)
    test_tryton._db_cache_file = _db_cache_file

    import psycopg
    uri = os.environ['TRYTOND_DATABASE_URI']
    with psycopg.connect(uri.rstrip('/') + '/postgres',
            autocommit=True) as connection:
        names = [n for n, in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'test-%'")]
        for name in names:
            if (re.fullmatch(r'test-[0-9a-f]{12}-[0-9a-f]{40}', name)
                    and not name.startswith(prefix)):
                try:
                    connection.execute('DROP DATABASE "%s"' % name)
                except psycopg.Error:
                    pass  # in use by a run of that version


class CountingResult(unittest.TextTestResult):
    """Counts successes (setUpClass errors are failures that ran no test)
    and the time spent per test module (class set-ups included)"""
    successes = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = {}
        self.tests = []
        self._module = None
        self._since = self._last_stop = time.monotonic()

    def _switch(self, module):
        # A module's class set-up runs between the previous module's last
        # test and its own first one: count it with the new module
        end = self._last_stop if module is not None else time.monotonic()
        if self._module is not None:
            self.durations[self._module] = self.durations.get(
                self._module, 0) + end - self._since
        self._module, self._since = module, end

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        self.tests.append((now - self._started, test.id()))
        self._last_stop = now

    def startTest(self, test):
        self._started = time.monotonic()
        module = type(test).__module__
        if module == 'doctest':  # scenarios: one entry each
            module = test.id()
        if module != self._module:
            self._switch(module)
        super().startTest(test)

    def stopTestRun(self):
        self._switch(None)
        super().stopTestRun()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.successes += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--postgresql', metavar='URI',
        help="run on PostgreSQL at URI (e.g. postgresql://postgres@"
        "127.0.0.1:5432/)")
    parser.add_argument('--no-cache', action='store_true',
        help="do not use the test database cache")
    parser.add_argument('-k', dest='patterns', action='append',
        help="only run tests matching the pattern (unittest -k)")
    parser.add_argument('--only', choices=['modules', 'cross', 'long'],
        help="run only the module tests, only tests/ or only the long "
        "tests of tests/long/ (not run otherwise)")
    parser.add_argument('-v', '--verbose', action='store_true')
    args = parser.parse_args()

    key = addons_hash()
    # Where tests leave files for a person to look at (PDF pages...)
    os.environ.setdefault(
        'DMS_TEST_RESULTS', os.path.join(ROOT, 'test-results'))
    if args.postgresql:
        os.environ['TRYTOND_DATABASE_URI'] = args.postgresql
        os.environ.setdefault('DB_NAME', 'test_dms_%s' % os.getpid())
        backend = 'postgresql'
    else:
        os.environ['TRYTOND_DATABASE_URI'] = 'sqlite://'
        os.environ.setdefault('DB_NAME', ':memory:')
        backend = 'sqlite'
    if not args.no_cache and backend == 'postgresql':
        # Template databases, named with the key (see pg_template_cache)
        os.environ['DB_CACHE'] = 'postgresql://'
    elif not args.no_cache:
        cache = os.path.join(CACHE, '%s-%s' % (backend, key))
        # Drop cache entries of older versions of addons/
        if os.path.isdir(CACHE):
            for entry in os.listdir(CACHE):
                if entry.startswith(backend + '-') and entry != (
                        os.path.basename(cache)):
                    shutil.rmtree(os.path.join(CACHE, entry),
                        ignore_errors=True)
        os.makedirs(cache, exist_ok=True)
        os.environ['DB_CACHE'] = cache
    # Make the suite independent of the user's configuration file
    os.environ.pop('TRYTOND_CONFIG', None)
    os.environ.setdefault('DMS_TEST_BACKEND', backend)
    if (backend == 'postgresql' and not args.no_cache
            and args.only in {None, 'modules'}):
        pg_template_cache(key)

    sys.path.insert(0, ADDONS)
    sys.path.insert(0, ROOT)
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [
            p if '*' in p else '*%s*' % p for p in args.patterns]
    suite = unittest.TestSuite()
    if args.only in {None, 'modules'}:
        for module in sorted(os.listdir(ADDONS)):
            if os.path.isfile(os.path.join(ADDONS, module, 'tryton.cfg')):
                suite.addTests(loader.discover(
                        os.path.join(ADDONS, module, 'tests'),
                        top_level_dir=ADDONS))
    if args.only in {None, 'cross'}:
        suite.addTests(loader.discover(
                os.path.join(ROOT, 'tests'), top_level_dir=ROOT))
    if args.only == 'long':
        # Not a package: the discovery of tests/ leaves it out
        long_tests = os.path.join(ROOT, 'tests', 'long')
        suite.addTests(loader.discover(long_tests, top_level_dir=long_tests))

    print("DMS test suite on %s (cache key %s)" % (backend, key),
        flush=True)
    runner = unittest.TextTestRunner(
        verbosity=2 if args.verbose else 1, resultclass=CountingResult)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(
        result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.successes
    print("\nSeconds per test module (class set-ups included):")
    for module, seconds in sorted(
            result.durations.items(), key=lambda i: -i[1]):
        print("%8.1f  %s" % (seconds, module))
    print("\nSlowest tests (seconds, class set-ups excluded):")
    for seconds, test in sorted(result.tests, reverse=True)[:12]:
        print("%8.1f  %s" % (seconds, test))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if result.testsRun == 0:
        print("no test ran", file=sys.stderr)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
