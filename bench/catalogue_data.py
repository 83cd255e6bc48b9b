# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The demo database with 20,000 more products, for the catalogue benchmark.

tools/demo creates the first generated product, SKU-000001, through
Tryton's ORM (with its list and cost prices, cost price method, category
and name translation); the others are copies of its rows made with SQL
INSERTs, each with its own code, name, category and prices, as
``tools/demo --products 20000`` would make them (it takes minutes; this
takes seconds).  The result is kept under .cache/bench/ for the version of
addons/ and tools/demo/ it was built from: a SQLite file, or a PostgreSQL
template database."""
import os
import random
import shutil
import time

from common import CACHE, ROOT, backend, demo_file

from tests import fixtures

PRODUCTS = 20_000
PREFIX = 'SKU-'
SEED = 42


def _code(number):
    return '%s%06d' % (PREFIX, number)


def _name(number):
    return 'Generated Product %06d' % number


class Cloner:
    "Copies the rows of the prototype product with new ids and values"

    def __init__(self, connection, paramstyle):
        self.connection = connection
        self.mark = '?' if paramstyle == 'qmark' else '%s'

    def execute(self, sql, params=()):
        cursor = self.connection.cursor()
        cursor.execute(sql.replace('?', self.mark), params)
        return cursor

    def rows(self, table, where, params):
        cursor = self.execute(
            'SELECT * FROM "%s" WHERE %s ORDER BY id' % (table, where), params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def next_id(self, table):
        return (self.execute(
                'SELECT MAX(id) FROM "%s"' % table).fetchone()[0] or 0) + 1

    def insert(self, table, rows):
        if not rows:
            return
        names = list(rows[0])
        sql = 'INSERT INTO "%s" (%s) VALUES (%s)' % (
            table, ', '.join('"%s"' % n for n in names),
            ', '.join([self.mark] * len(names)))
        cursor = self.connection.cursor()
        cursor.executemany(sql, [tuple(r[n] for n in names) for r in rows])

    def clone(self, count):
        template, = self.rows(
            'product_template', 'code = ?', (_code(1),))
        product, = self.rows(
            'product_product', 'template = ?', (template['id'],))
        related = {
            'product_list_price': self.rows(
                'product_list_price', 'template = ?', (template['id'],)),
            'product_cost_price_method': self.rows(
                'product_cost_price_method', 'template = ?',
                (template['id'],)),
            'product_cost_price': self.rows(
                'product_cost_price', 'product = ?', (product['id'],)),
            'product_template-product_category': self.rows(
                'product_template-product_category', 'template = ?',
                (template['id'],)),
            'ir_translation': self.rows(
                'ir_translation', "name = 'product.template,name' "
                "AND res_id = ?", (template['id'],)),
            }
        categories = [r[0] for r in self.execute(
                'SELECT id FROM product_category WHERE accounting = ? '
                'ORDER BY id', (False,)).fetchall()]
        rng = random.Random(SEED)
        ids = {t: self.next_id(t) for t in [
                'product_template', 'product_product', *related]}
        new = {t: [] for t in ['product_template', 'product_product',
                *related]}
        for number in range(2, count + 1):
            code, name = _code(number), _name(number)
            category = rng.choice(categories)
            price = rng.randint(50, 9000)
            cost = (price * rng.randint(55, 70) / 100)
            template_id = ids['product_template'] + len(
                new['product_template'])
            product_id = ids['product_product'] + len(new['product_product'])
            new['product_template'].append(dict(
                    template, id=template_id, code=code, name=name))
            new['product_product'].append(dict(
                    product, id=product_id, template=template_id, code=code))
            changes = {
                'product_list_price': {
                    'template': template_id, 'list_price': price},
                'product_cost_price_method': {'template': template_id},
                'product_cost_price': {
                    'product': product_id, 'cost_price': '%.4f' % cost},
                'product_template-product_category': {
                    'template': template_id, 'category': category},
                'ir_translation': {
                    'res_id': template_id, 'src': name, 'value': name},
                }
            for table, rows in related.items():
                for row in rows:
                    new[table].append(dict(
                            row, id=ids[table] + len(new[table]),
                            **changes[table]))
        for table, rows in new.items():
            self.insert(table, rows)
        return {t: ids[t] + len(rows) for t, rows in new.items()}


def _generate_prototype(env):
    "tools/demo adds SKU-000001 through the ORM"
    import subprocess
    result = subprocess.run(
        [fixtures.PYTHON, os.path.join(ROOT, 'tools', 'demo'),
            '--database', env.pop('database'), '--products', '1'],
        env=fixtures._env(**env), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(
            "tools/demo failed:\n" + result.stdout + result.stderr)


def _decimal_adapt(value):
    return str(value)


def sqlite_file(count=PRODUCTS):
    "The SQLite demo database with count generated products (cached)"
    import sqlite3
    from decimal import Decimal
    folder = os.path.join(CACHE, 'catalogue-sqlite-%s-%d' % (
            fixtures._demo_hash(), count))
    path = os.path.join(folder, 'dms_test.sqlite')
    if os.path.exists(path):
        return path
    start = time.monotonic()
    print("   building the catalogue database (%d products)..." % count,
        flush=True)
    for entry in os.listdir(CACHE) if os.path.isdir(CACHE) else []:
        if entry.startswith('catalogue-sqlite-'):
            shutil.rmtree(os.path.join(CACHE, entry), ignore_errors=True)
    building = folder + '.building'
    shutil.rmtree(building, ignore_errors=True)
    os.makedirs(building)
    shutil.copy(demo_file(), os.path.join(building, 'dms_test.sqlite'))
    _generate_prototype({'database': 'dms_test',
            'TRYTOND_DATABASE__PATH': building})
    sqlite3.register_adapter(Decimal, _decimal_adapt)
    connection = sqlite3.connect(os.path.join(building, 'dms_test.sqlite'))
    try:
        Cloner(connection, 'qmark').clone(count)
        connection.commit()
        connection.execute('ANALYZE')
    finally:
        connection.close()
    os.rename(building, folder)
    print("   built in %.1f s" % (time.monotonic() - start), flush=True)
    return path


def pg_template(count=PRODUCTS):
    "The PostgreSQL template database with count generated products"
    import psycopg
    name = 'dmsbenchcat_%s_%d' % (fixtures._demo_hash(), count)
    existing = {r[0] for r in fixtures._psql(
            "SELECT datname FROM pg_database "
            "WHERE datname LIKE 'dmsbenchcat_%'")}
    for old in existing - {name}:
        fixtures._psql('DROP DATABASE IF EXISTS "%s"' % old)
    if name in existing:
        return name
    start = time.monotonic()
    print("   building the catalogue database (%d products)..." % count,
        flush=True)
    building = name + '_building'
    fixtures._psql('DROP DATABASE IF EXISTS "%s"' % building)
    fixtures._psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (
            building, fixtures._pg_demo_template()))
    _generate_prototype({'database': building,
            'TRYTOND_DATABASE__URI': fixtures._pg_uri()})
    with psycopg.connect(fixtures._pg_uri() + building) as connection:
        last = Cloner(connection, 'format').clone(count)
        for table, next_id in last.items():
            # Tryton's id sequences are named <table>_id_seq
            connection.execute("SELECT setval(%s, %s)",
                ('"%s_id_seq"' % table, next_id - 1))
        connection.execute('ANALYZE')
    fixtures._psql('ALTER DATABASE "%s" RENAME TO "%s"' % (building, name))
    print("   built in %.1f s" % (time.monotonic() - start), flush=True)
    return name


def database(count=PRODUCTS):
    "(sqlite_file, pg_template) of the catalogue database"
    if backend() == 'postgresql':
        return None, pg_template(count)
    return sqlite_file(count), None
