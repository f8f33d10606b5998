"""The domains are found by the layout and ordered by the tables they refer to."""

from __future__ import annotations

import pytest

from telcocore import ConfigurationError
from telcocore.domains import REPOSITORIES, SQL_DOMAINS, in_creation_order
from telcocore.platform.sql.unit_of_work import SqlDomain


def _domain(name: str, *after: str) -> SqlDomain:
    return SqlDomain(name, {}, after=after)


class TestFound:
    """Every domain with tables is found, in an order its foreign keys allow."""

    def test_every_domain_with_a_sql_module_is_found(self) -> None:
        """Each domain package's ``sql`` module is read, the money domains' included."""
        names = {domain.name for domain in SQL_DOMAINS}
        assert {"accounts", "contacts", "billing.ledger", "numbering", "audit"} <= names

    def test_a_domain_comes_after_those_it_refers_to(self) -> None:
        """No domain's tables are made before the tables they refer to."""
        position = {domain.name: i for i, domain in enumerate(SQL_DOMAINS)}
        late = [
            (domain.name, before)
            for domain in SQL_DOMAINS
            for before in domain.after
            if position[before] > position[domain.name]
        ]
        assert [] == late

    def test_every_repository_of_every_domain_is_known(self) -> None:
        """The storages learn every repository protocol from the domains."""
        declared = {port for domain in SQL_DOMAINS for port in domain.repositories}
        assert declared == set(REPOSITORIES)


class TestCreationOrder:
    """The order is deterministic, and a domain that can never be made is refused."""

    def test_waits_for_what_it_names_and_otherwise_goes_by_name(self) -> None:
        """Dependencies first; among domains that are ready, alphabetical order."""
        domains = [_domain("zeta"), _domain("calls", "rating", "accounts"), _domain("accounts")]
        domains.append(_domain("rating", "accounts"))
        assert ["accounts", "zeta", "rating", "calls"] == [
            d.name for d in in_creation_order(domains)
        ]

    @pytest.mark.parametrize(
        "domains",
        [
            [_domain("calls", "rating")],
            [_domain("a", "b"), _domain("b", "a")],
        ],
        ids=["missing", "cycle"],
    )
    def test_a_domain_that_can_never_be_made_is_a_configuration_error(
        self, domains: list[SqlDomain]
    ) -> None:
        """A missing domain or two waiting for each other is named in the error."""
        with pytest.raises(ConfigurationError, match="wait for domains"):
            in_creation_order(domains)
