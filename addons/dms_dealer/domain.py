# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Searches checked along every relation they go through

Tryton applies the record rules of the model searched, but converts the
parts of a domain that go through relations (``('dealers.code', '=', x)``,
``('dealers', 'where', [...])``, a ``rec_name`` searched through a
Many2One) without any: a user allowed to read territories learns, one yes
or no at a time, anything about the dealers its rules hide.  Tryton also
checks the access to the fields of a domain but not inside ``where``
sub-domains, and answers a domain or an order it cannot convert with a
server error (sometimes with SQL text).

This mixin is registered on every model.  For the searches made with access
checks (RPC, or ``_check_access`` in the context):

- the domain and the order are validated: known fields and operators,
  searchable and sortable fields, well-formed leaves; anything else is a
  clear ``SearchDomainError``;
- the model and field read accesses are checked at every step, ``where``
  sub-domains included (secrets are not searchable);
- for a user linked to a dealer, each step through a relation into a model
  with read rules for the user is rewritten as a ``where`` sub-domain that
  also holds the rules of that model, so the rows the rules hide are never
  matched; the steps that cannot hold them (references, ``child_of`` and
  ``parent_of``, computed relations, orders through relations) are refused
  with an ``AccessError``.
"""
from trytond.const import OPERATORS
from trytond.i18n import gettext
from trytond.model import Model
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction

from .exceptions import SearchDomainError

def rec_name_domain(clause, *names):
    """The domain of a rec_name search clause on the rec_names of several
    fields: any of them matches, or, for a negative operator, none"""
    _, operator, *rest = clause
    bool_op = 'AND' if operator.startswith('!') or operator.startswith(
        'not ') else 'OR'
    return [bool_op] + [(name, operator, *rest) for name in names]


ORDER_TYPES = {
    '', 'ASC', 'DESC', 'ASC NULLS FIRST', 'ASC NULLS LAST',
    'DESC NULLS FIRST', 'DESC NULLS LAST'}
# Operators comparing the row to a text (the rec_name of the target) when
# the value of a relation is a text
TEXT_OPERATORS = {
    '=', '!=', 'like', 'not like', 'ilike', 'not ilike', 'in', 'not in'}
HIERARCHY_OPERATORS = {
    'child_of', 'not child_of', 'parent_of', 'not parent_of'}
MAX_DEPTH = 20


def _negative(operator, value):
    "Whether Tryton also matches the rows without target for the leaf"
    return ((operator.startswith('not') and not (
                operator == 'not in' and isinstance(value, (list, tuple))
                and None in value))
        or (operator == '!=' and value is not None))


def _is_id(value):
    "Whether value names a record: an id, a record or None"
    return value is None or isinstance(value, Model) or (
        isinstance(value, int) and not isinstance(value, bool))


class _Scope:
    "The checks and rewriting of the domains of one search"

    def __init__(self, dealer):
        pool = Pool()
        self.pool = pool
        self.dealer = dealer
        self.Rule = pool.get('ir.rule')
        self.ModelAccess = pool.get('ir.model.access')
        self.FieldAccess = pool.get('ir.model.field.access')
        self._rules = {}

    def rule(self, Model):
        "The read rule domain of Model for a user linked to a dealer"
        if not self.dealer:
            return []
        name = Model.__name__
        if name not in self._rules:
            self._rules[name] = self.Rule.domain_get(name, mode='read')
        return self._rules[name]

    def invalid(self, Model, part):
        raise SearchDomainError(gettext(
                'dms_dealer.msg_search_domain_invalid',
                model=Model.__names__()['model'],
                domain=repr(part)[:200]))

    def refuse(self, Model, name):
        names = Model.__names__(name.partition('.')[0])
        raise AccessError(gettext(
                'dms_dealer.msg_search_relation_refused',
                model=names['model'], field=names['field']))

    def check(self, Model, field_name):
        self.ModelAccess.check(Model.__name__, 'read')
        self.FieldAccess.check(Model.__name__, [field_name], 'read')

    def domain(self, Model, domain, depth=0):
        "The domain checked, with the rules of the targets for a dealer"
        if depth > MAX_DEPTH:
            self.invalid(Model, domain)
        if is_leaf(domain):
            return self.leaf(Model, domain, depth)
        if not isinstance(domain, (list, tuple)):
            self.invalid(Model, domain)
        if not domain:
            return []
        if isinstance(domain[0], str) and domain[0] in {'AND', 'OR'}:
            return [domain[0]] + [
                self.domain(Model, d, depth + 1) for d in domain[1:]]
        return [self.domain(Model, d, depth + 1) for d in domain]

    def leaf(self, Model, leaf, depth):
        name, operator, value = leaf[:3]
        extra = list(leaf[3:])
        if (not isinstance(name, str) or not isinstance(operator, str)
                or operator not in OPERATORS
                or len(leaf) > 5):
            self.invalid(Model, leaf)
        local, _, relate = name.partition('.')
        field = Model._fields.get(local)
        if field is None or not field.searchable(Model):
            self.invalid(Model, leaf)
        self.check(Model, local)
        target = self.target(Model, field, leaf)
        if target is None:
            # Tryton reads a dotted name of a field without target as the
            # field itself (('model.name', '=', x) on a Char)
            if (operator.endswith('where')
                    or operator in HIERARCHY_OPERATORS):
                self.invalid(Model, leaf)
            return leaf
        rule = self.rule(target)
        computed = hasattr(field, 'getter')

        if operator.endswith('where'):
            if field._type == 'reference' or relate or extra:
                self.invalid(Model, leaf)
            sub = self.domain(target, value, depth + 1)
            if rule:
                if computed:
                    self.refuse(Model, name)
                sub = [sub, rule]
            return (name, operator, sub)
        if operator in HIERARCHY_OPERATORS:
            if relate or not all(map(_is_id, (
                            value if isinstance(value, (list, tuple))
                            else [value]))):
                self.invalid(Model, leaf)
            if rule:
                self.refuse(Model, name)
            if extra:
                if len(extra) != 1 or not isinstance(extra[0], str):
                    self.invalid(Model, leaf)
                self.leaf(target, (extra[0], operator, value), depth + 1)
            return leaf
        if field._type == 'reference':
            if not relate:
                return leaf
            sub = (relate, operator, value, *extra[1:])
            if self.leaf(target, sub, depth + 1) != sub or rule:
                # References hold no where sub-domain for the rules
                self.refuse(Model, name)
            return leaf
        if relate:
            sub = (relate, operator, value, *extra)
            scoped = self.leaf(target, sub, depth + 1)
            if scoped == sub and not rule:
                return leaf
        elif isinstance(value, str) or (
                isinstance(value, (list, tuple))
                and any(isinstance(v, str) for v in value)):
            if operator not in TEXT_OPERATORS or extra or (
                    not isinstance(value, str)
                    and not all(isinstance(v, str) for v in value)):
                self.invalid(Model, leaf)
            # Searched on the rec_name of the target
            self.check(target, 'rec_name')
            if not rule:
                return leaf
            scoped = ('rec_name', operator, value)
        else:
            values = value if isinstance(value, (list, tuple)) else [value]
            if extra or not all(map(_is_id, values)):
                self.invalid(Model, leaf)
            if field._type == 'many2one' or not rule:
                # Ids compared with the row's own column
                return leaf
            # The ids of the targets of a one-to-many or many-to-many
            if computed:
                self.refuse(Model, name)
            if value is None and operator in {'=', '!='}:
                # Without or with (visible) targets
                return (local,
                    'not where' if operator == '=' else 'where', rule)
            scoped = ('id', operator, value)
        if computed:
            self.refuse(Model, name)
        where = (local, 'where', [scoped, rule] if rule else [scoped])
        if _negative(operator, value):
            # Also the rows without (visible) targets
            return ['OR', where, (local, 'not where', rule) if rule
                else (local, '=', None)]
        return where

    def target(self, Model, field, leaf):
        "The model reached through field by leaf, or None"
        if field._type == 'reference':
            if '.' in leaf[0]:
                if len(leaf) < 4 or not isinstance(leaf[3], str):
                    self.invalid(Model, leaf)
                try:
                    return self.pool.get(leaf[3])
                except KeyError:
                    self.invalid(Model, leaf)
            return None
        if hasattr(field, 'get_target'):
            return field.get_target()
        return None

    def order(self, Model, order, depth=0):
        "Check order: known, sortable fields, no relation to hidden rows"
        if order is None:
            return
        if not isinstance(order, (list, tuple)) or depth > MAX_DEPTH:
            self.invalid(Model, order)
        for item in order:
            if (not isinstance(item, (list, tuple)) or len(item) != 2
                    or not isinstance(item[0], str)
                    or not isinstance(item[1], (str, type(None)))
                    or (item[1] or '').upper() not in ORDER_TYPES):
                self.invalid(Model, item)
            oexpr, otype = item
            local, _, relate = oexpr.partition('.')
            field = Model._fields.get(local)
            if field is None or not field.sortable(Model):
                raise SearchDomainError(gettext(
                        'dms_dealer.msg_search_order_invalid',
                        model=Model.__names__()['model'],
                        order=oexpr[:100]))
            self.check(Model, local)
            # The id of the target is the row's own column (Tryton's
            # One2Many getters order by it)
            if relate and relate != 'id':
                target = self.target(Model, field, (oexpr, '='))
                if target is None:
                    continue
                if self.rule(target):
                    self.refuse(Model, oexpr)
                self.order(target, [(relate, otype)], depth + 1)


class SearchScopeMixin:
    """Check the searches with access checks (see the module's docstring);
    the fields the user may not read are not described to it either (the
    clients then never ask for them)"""
    __slots__ = ()

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        definitions = super().fields_get(
            fields_names=fields_names, level=level)
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            pool = Pool()
            FieldAccess = pool.get('ir.model.field.access')
            accesses = FieldAccess.get_access([cls.__name__])[cls.__name__]
            for name in list(definitions):
                if not accesses.get(name, {}).get('read', True):
                    del definitions[name]
        return definitions

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            **kwargs):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            pool = Pool()
            User = pool.get('res.user')
            if User.dms_check_domains():
                domain, order = cls._dms_scope_search(domain, order)
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, **kwargs)

    @classmethod
    def _dms_scope_search(cls, domain, order):
        pool = Pool()
        User = pool.get('res.user')
        scope = _Scope(dealer=User.get_dealer() is not None)
        if domain:
            domain = scope.domain(cls, domain)
        if order:
            scope.order(cls, order)
        return domain, order
