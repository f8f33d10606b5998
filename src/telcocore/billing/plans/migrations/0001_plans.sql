-- Service plans, the plan and users of each account, seat changes by idempotency key, and
-- the DIDs whose setup charge was charged.

CREATE TABLE plans_plans (
    name {sorted_text} PRIMARY KEY,
    currency TEXT NOT NULL,
    cost_per_user {decimal} NOT NULL,
    did_prices {json} NOT NULL,
    version INTEGER NOT NULL,
    updated_at {instant} NOT NULL
);

CREATE TABLE plans_assignments (
    account_id {sorted_text} PRIMARY KEY REFERENCES accounts (id),
    plan {sorted_text} NOT NULL REFERENCES plans_plans (name),
    users INTEGER NOT NULL
);
CREATE INDEX plans_assignments_by_plan ON plans_assignments (plan);

CREATE TABLE plans_seat_changes (
    idempotency_key {sorted_text} PRIMARY KEY,
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    change INTEGER NOT NULL,
    users INTEGER NOT NULL,
    charge {decimal} NOT NULL,
    currency TEXT NOT NULL,
    transaction_id TEXT,
    created_at {instant} NOT NULL
);
CREATE INDEX plans_seat_changes_by_account ON plans_seat_changes (account_id, created_at);

CREATE TABLE plans_did_setups (
    account_id {sorted_text} NOT NULL REFERENCES accounts (id),
    number {sorted_text} NOT NULL,
    transaction_id TEXT NOT NULL,
    PRIMARY KEY (account_id, number)
);
