# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    dealer = fields.Function(
        fields.Many2One('dms.dealer', "Dealer"),
        'get_dealer', searcher='search_dealer')

    @classmethod
    def get_dealer(cls, parties, name):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        result = dict.fromkeys(map(int, parties))
        for dealer in Dealer.search([
                    ('party', 'in', list(result.keys())),
                    ]):
            result[dealer.party.id] = dealer.id
        return result

    @classmethod
    def search_dealer(cls, name, clause):
        nested = clause[0][len(name):]
        return [('id', 'in', 'dms.dealer', 'party', [
                    ('id' + nested if nested else 'id',) + tuple(clause[1:])])]
