-- Per-site public-figure policy (classifier): whether judging a named public
-- figure's conduct or competence counts as an attack: '' or 'allowed', or 'attack'.
ALTER TABLE sites ADD COLUMN public_figures TEXT NOT NULL DEFAULT '';
