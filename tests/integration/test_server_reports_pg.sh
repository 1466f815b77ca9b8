#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_server_reports.sh's whole suite with --db postgresql://… on a
# PostgreSQL server it starts (tests/integration/pg.sh): both backends pass
# the same checks.  Skipped (not passed) without Debian's postgresql.
DB_BACKEND=postgresql exec bash "$(dirname "$0")/test_server_reports.sh"
