#!/bin/sh
# The compose 'minio-init' service (one-shot): the warehouse bucket and two users that are not MinIO's root, each
# limited to that bucket: the writers' (read-write: gateway, curation, sim) and Trino's (read-only). Idempotent.
set -eu
bucket=stedi-lakehouse
for v in "$MINIO_ROOT_PASSWORD" "$STEDI_S3_SECRET_ACCESS_KEY" "$TRINO_S3_SECRET_ACCESS_KEY"; do
  case "$v" in *change-me*)
    echo "minio-init: a secret in deploy/env/{minio-root,s3-writer,s3-reader}.env still holds its change-me placeholder" >&2
    exit 1 ;;
  esac
done
mc alias set root http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "root/$bucket"
mc admin policy create root stedi-writer /policies/writer-policy.json
mc admin policy create root stedi-reader /policies/reader-policy.json
mc admin user add root "$STEDI_S3_ACCESS_KEY_ID" "$STEDI_S3_SECRET_ACCESS_KEY"
mc admin user add root "$TRINO_S3_ACCESS_KEY_ID" "$TRINO_S3_SECRET_ACCESS_KEY"
# attaching an attached policy fails: on a rerun that is the state wanted
mc admin policy attach root stedi-writer --user "$STEDI_S3_ACCESS_KEY_ID" || true
mc admin policy attach root stedi-reader --user "$TRINO_S3_ACCESS_KEY_ID" || true
