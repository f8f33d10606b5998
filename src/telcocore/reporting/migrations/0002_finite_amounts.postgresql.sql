-- The summed amounts are finite numbers: NUMERIC could also hold NaN (and, from
-- PostgreSQL 14, the infinities), which no posting writes. With the constraint a read takes
-- the driver's Decimals as they come, checking none of them again. Compared as text, which
-- names NaN and the infinities the same way on every PostgreSQL version.
ALTER TABLE summaries ADD CONSTRAINT summaries_amounts_finite CHECK (
    duration::text NOT IN ('NaN', 'Infinity', '-Infinity')
    AND charge::text NOT IN ('NaN', 'Infinity', '-Infinity')
    AND cost::text NOT IN ('NaN', 'Infinity', '-Infinity')
    AND costed_charge::text NOT IN ('NaN', 'Infinity', '-Infinity')
);
