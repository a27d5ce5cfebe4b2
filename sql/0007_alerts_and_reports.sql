-- Migration 0007: delivery of alerts and scheduled reports, kept so restarts neither
-- repeat nor lose them.

-- Every attempt to deliver an alert or a report, successful or not.
CREATE TABLE IF NOT EXISTS hourglass.deliveries (
  delivery_id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('alert', 'resolution', 'report')),
  subject text NOT NULL,
  destination text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  delivered_at timestamptz
);

CREATE INDEX IF NOT EXISTS deliveries_status_created_at_idx
  ON hourglass.deliveries (status, created_at DESC);

-- One row per scheduled report and period: a report is sent once per period, and one
-- interrupted by a stop is finished at the next start.
CREATE TABLE IF NOT EXISTS hourglass.report_runs (
  job text NOT NULL,
  period text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  detail jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (job, period)
);
