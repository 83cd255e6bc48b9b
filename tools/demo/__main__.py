"""Create the DMS demo database, or add generated data to it for benchmarks.

    python tools/demo --database dms --size small --lang en

The database is created if it is missing, the DMS modules are activated
with their dependencies and Simplified Chinese is made translatable.  Then
the demo is filled in, one module at a time (FILLERS): the data of
dms_dealer (dealer.py), dms_portal (portal.py), dms_orders (orders.py),
dms_communication (communication.py), dms_reports (reports.py: fifteen
months of order history) and dms_campaigns (campaigns.py).

``--size medium|large`` (or ``--dealers``, ``--products``, ``--sale-lines``)
adds generated dealers ``D00001``..., products ``SKU-000001``... and
confirmed or done sales (GENERATORS).

Names are English with Chinese translations; ``--lang zh_CN`` gives
Chinese names to the parties and makes Chinese the administrator's language.

Configuration comes from ``TRYTOND_CONFIG`` and the environment variables
``TRYTOND_<SECTION>__<KEY>``, which take precedence over the file.
"""
import argparse
import os
import sys
import tempfile
import time

# `python tools/demo` puts this directory first on the path, which would make
# its files top-level modules (common, orders... hiding others of these
# names): import it as the package demo instead
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import trytond.config as config  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

from demo import (  # noqa: E402
    campaigns, communication, dealer, orders, portal, reports)
from demo.common import (  # noqa: E402
    ADMIN_EMAIL, LANGUAGES, MODULES, SIZES, Demo, progress)

# The demo data of each module, in the order of their dependencies: each
# one's fill(demo) runs after those of the modules it uses the data of.
FILLERS = [dealer, portal, orders, communication, reports, campaigns]
# The generated data for benchmarks: generate(demo), after every fill (the
# bulletins to every dealer are not sent to the generated ones)
GENERATORS = [dealer, orders]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', '-d', default='dms')
    parser.add_argument('--size', choices=SIZES, default='small')
    parser.add_argument('--lang', choices=LANGUAGES, default='en')
    parser.add_argument('--dealers', type=int,
        help="generated dealers (overrides --size)")
    parser.add_argument('--products', type=int,
        help="generated products (overrides --size)")
    parser.add_argument('--sale-lines', type=int,
        help="generated sale lines (overrides --size)")
    parser.add_argument('--modules-only', action='store_true',
        help="only create the database and activate the modules (a base "
        "that copies are filled from, in any language)")
    args = parser.parse_args(argv)
    dealers, products, sale_lines = SIZES[args.size]
    for name, value in [
            ('dealers', dealers), ('products', products),
            ('sale_lines', sale_lines)]:
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def load_config():
    "Read TRYTOND_CONFIG, then let TRYTOND_<SECTION>__<KEY> override it"
    config.update_etc()
    for key, value in os.environ.items():
        if not key.startswith('TRYTOND_') or '__' not in key:
            continue
        section, option = key[len('TRYTOND_'):].lower().split('__', 1)
        if not config.has_section(section):
            config.add_section(section)
        config.set(section, option, value)


def files_in_database():
    """Keep the files of the demo in the database, not in the filestore
    beside it: a copy of the database (the tests copy the SQLite file or a
    PostgreSQL template) has them too.  Before the pool is loaded."""
    if not config.has_section('attachment'):
        config.add_section('attachment')
    config.set('attachment', 'filestore', 'False')


# Database and modules

def create_database(name):
    "Create the empty database if it is missing"
    # The backend is chosen when it is imported: after load_config()
    from trytond import backend
    if backend.name == 'sqlite':
        path = config.get('database', 'path')
        os.makedirs(path, exist_ok=True)
        filename = os.path.join(path, name + '.sqlite')
        if not os.path.exists(filename):
            open(filename, 'a').close()
        return
    database = backend.Database().connect()
    connection = database.get_connection(autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
            exists = cursor.fetchone()
        if not exists:
            database.create(connection, name)
    finally:
        database.put_connection(connection)


def database_ready(name):
    "Tell whether the DMS modules are activated and zh_CN is translatable"
    from trytond import backend
    if not backend.Database(name).connect().test():
        return False
    pool = Pool(name)
    pool.init()
    with Transaction().start(name, 0, readonly=True):
        Module = pool.get('ir.module')
        Lang = pool.get('ir.lang')
        return (Module.search_count([
                    ('name', 'in', MODULES),
                    ('state', '=', 'activated'),
                    ]) == len(MODULES)
            and bool(Lang.search_count([
                        ('code', '=', 'zh_CN'),
                        ('translatable', '=', True),
                        ])))


def activate_modules(name):
    """Run trytond-admin in this process on the database

    It initialises a new database, activates the DMS modules with their
    dependencies, and loads the Chinese translations of every module."""
    from trytond import admin, commandline
    options = commandline.get_parser_admin().parse_args([
            '--database', name, '--all', '--update', *MODULES,
            '--activate-dependencies', '--language', 'zh_CN',
            '--email', ADMIN_EMAIL])
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        # Read only when the database is new; setup_people checks it
        passfile.write('admin\n')
        passfile.flush()
        os.environ['TRYTONPASSFILE'] = passfile.name
        try:
            admin.run(options)
        finally:
            del os.environ['TRYTONPASSFILE']


def prepare_database(name):
    create_database(name)
    if not database_ready(name):
        with progress("Modules", 1) as bar:
            activate_modules(name)
            bar.update()
    Pool(name).init()


def main(argv=None):
    args = parse_args(argv)
    load_config()
    files_in_database()
    started = time.monotonic()
    database = args.database
    prepare_database(database)
    if args.modules_only:
        print(f"Modules activated in {time.monotonic() - started:.1f} s",
            file=sys.stderr)
        return
    demo = Demo(database, args.lang, dealers=args.dealers,
        products=args.products, sale_lines=args.sale_lines)
    for module in FILLERS:
        module.fill(demo)
    for module in GENERATORS:
        module.generate(demo)
    portal.print_logins(demo)
    print(f"Done in {time.monotonic() - started:.1f} s", file=sys.stderr)


if __name__ == '__main__':
    main()
