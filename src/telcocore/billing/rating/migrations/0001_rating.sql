-- Rate decks, their rates (one row per prefix and start date) and the decks of accounts.

CREATE TABLE rating_decks (
    name {sorted_text} PRIMARY KEY,
    currency TEXT NOT NULL,
    places INTEGER NOT NULL,
    rounding TEXT NOT NULL,
    rate_count INTEGER NOT NULL,
    digest TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at {instant} NOT NULL
);

CREATE TABLE rating_rates (
    deck {sorted_text} NOT NULL REFERENCES rating_decks (name) ON DELETE CASCADE,
    prefix {sorted_text} NOT NULL,
    effective_from {instant} NOT NULL,
    effective_to {instant},
    description TEXT NOT NULL,
    rate_per_minute {decimal} NOT NULL,
    connect_fee {decimal} NOT NULL,
    initial_increment INTEGER NOT NULL,
    subsequent_increment INTEGER NOT NULL,
    free_seconds INTEGER NOT NULL,
    minimum_charge {decimal},
    tiers {json} NOT NULL,
    PRIMARY KEY (deck, prefix, effective_from)
);

CREATE TABLE rating_assignments (
    account_id {sorted_text} PRIMARY KEY REFERENCES accounts (id),
    customer_deck {sorted_text} NOT NULL REFERENCES rating_decks (name),
    provider_deck {sorted_text} REFERENCES rating_decks (name)
);
CREATE INDEX rating_assignments_by_customer ON rating_assignments (customer_deck);
CREATE INDEX rating_assignments_by_provider ON rating_assignments (provider_deck);
