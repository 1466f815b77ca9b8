#!/usr/bin/env bash
# Regenerate the report test vectors (formats/REPORT.md) with build/tests/mkreport.
# Ed25519 signatures are deterministic, so the output is byte-for-byte stable.
#   formats/vectors/report/gen.sh [BUILD]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mk=${1:-$here/../../../build}/tests/mkreport
# Vector device key: seed = 32 bytes 0x01..0x20 (public, for tests only).
seed=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
other=2021222324252627282930313233343536373839404142434445464748494a4b
cd "$here"
"$mk" --seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.4.2 \
    --time 2024-05-01T12:00:00Z --seq 1 --out valid-checkin.json
"$mk" --seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.5.0 --previous 1.4.2 \
    --result success --time 2024-05-02T03:04:05Z --seq 2 --custom '{"boot_count":7,"channel":"stable"}' \
    --out valid-success.json
"$mk" --seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.5.0 --previous 1.5.0 \
    --result failure --error 'E_HASH: chunk 3 hash mismatch' --time 2024-05-03T00:00:00Z --seq 3 \
    --out valid-failure.json
"$mk" --seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.5.0 --previous 1.6.0-rc.1 \
    --result rollback --error 'health check failed' --time 2024-05-04T00:00:00Z --seq 4 \
    --out valid-rollback.json
"$mk" --seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.5.0 --previous 1.5.0 \
    --time 2024-05-05T00:00:00Z --seq 5 --custom '{"event":"installed","target_version":"1.6.0"}' \
    --download 201207/4198903 --out valid-download.json
"$mk" pubkey --seed $seed > device-key.txt

v=valid-checkin.json
inv=invalid
# a value changed after signing
sed 's/"installed_version":"1.4.2"/"installed_version":"1.4.3"/' $v > $inv/E_SIGNATURE-tampered-version.json
# signature made by another key, public key left as the device's
sig_other=$("$mk" --seed $other --device gw-0001 --hardware acme-gw-v2 --version 1.4.2 \
    --time 2024-05-01T12:00:00Z --seq 1 | sed 's/.*"sig":"\([0-9a-f]*\)".*/\1/')
sed "s/\"sig\":\"[0-9a-f]*\"/\"sig\":\"$sig_other\"/" $v > $inv/E_SIGNATURE-forged-other-key.json
# keyid that is not the key's id
sed 's/"keyid":"\([0-9a-f]\)/"keyid":"0\1/; s/"keyid":"0\([0-9a-f]*\)[0-9a-f]"/"keyid":"0\1"/' $v > $inv/E_SIGNATURE-keyid-mismatch.json
# upper-case signature hex (one encoding per signature)
sed 's/"sig":"\([0-9a-f]*\)"/"sig":"\U\1"/' $v > $inv/E_SIGNATURE-uppercase-sig.json
# no signature at all
sed 's/"signatures":\[[^]]*\]/"signatures":[]/' $v > $inv/E_SIGNATURE-unsigned.json
# two signatures
sed 's/"signatures":\[\({[^]]*}\)\]/"signatures":[\1,\1]/' $v > $inv/E_FORMAT-two-signatures.json
# unknown field in signed
sed 's/"signed":{/"signed":{"admin":true,/' $v > $inv/E_FORMAT-unknown-field.json
# missing field (seq)
sed 's/,"seq":1//' $v > $inv/E_FORMAT-missing-seq.json
sed 's/"seq":1/"seq":0/' $v > $inv/E_FORMAT-seq-zero.json
sed 's/"installed_version":"1.4.2"/"installed_version":"1.4"/' $v > $inv/E_FORMAT-not-semver.json
sed 's/"device_id":"gw-0001"/"device_id":"..\/etc"/' $v > $inv/E_FORMAT-bad-device-id.json
# one past the id and version limits, and a '+' (formats/BUNDLE.md "Ids and semantic versions")
long_id=gw-$(printf 'x%.0s' $(seq 126))
sed "s/\"device_id\":\"gw-0001\"/\"device_id\":\"$long_id\"/" $v > $inv/E_FORMAT-device-id-129-bytes.json
long_version=1.4.2-$(printf 'a%.0s' $(seq 59))
sed "s/\"installed_version\":\"1.4.2\"/\"installed_version\":\"$long_version\"/" $v \
    > $inv/E_FORMAT-version-65-bytes.json
sed 's/"hardware_id":"acme-gw-v2"/"hardware_id":"acme-gw+2"/' $v > $inv/E_FORMAT-hardware-id-plus.json
sed 's/"result":"none"/"result":"ok"/' $v > $inv/E_FORMAT-bad-result.json
sed 's/"time":"2024-05-01T12:00:00Z"/"time":"2024-05-01 12:00:00"/' $v > $inv/E_FORMAT-bad-time.json
sed 's/"_type":"ota-report"/"_type":"timestamp"/' $v > $inv/E_TYPE-wrong-type.json
sed 's/"spec_version":"1.0"/"spec_version":"2.0"/' $v > $inv/E_SPEC_VERSION-major-2.json
sed 's/"keytype":"ed25519"/"keytype":"rsa"/' $v > $inv/E_KEY-rsa-keytype.json
sed 's/"signed":{/"signed":{"seq":5,/' $v > $inv/E_JSON-duplicate-key.json
{ cat $v; printf ' x'; } > $inv/E_JSON-trailing-bytes.json

# ---- enrolment certificates (spec 1.1) -------------------------------------------------
# Provisioning key: seed = 32 bytes 0x41..0x60 (public, for tests only).
prov=4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60
prov_other=6162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80
mkdir -p enrolment/certificate-invalid
"$mk" pubkey --seed $prov > enrolment/provisioning-key.txt
printf '{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"%s"}}\n' \
    "$(cut -d' ' -f1 enrolment/provisioning-key.txt)" > enrolment/provisioning-key.pub
e="--seed $seed --device gw-0001 --hardware acme-gw-v2 --version 1.4.2 --time 2024-05-01T12:00:00Z --seq 1"
"$mk" $e --provisioning-seed $prov --out enrolment/valid-enrolled.json
# well-formed reports whose certificate must not be accepted (ota_report_certificate_verify)
"$mk" $e --provisioning-seed $prov --cert-device gw-0002 \
    --out enrolment/certificate-invalid/E_SIGNATURE-certifies-another-device-id.json
"$mk" $e --provisioning-seed $prov --cert-key-seed-text another-device-key \
    --out enrolment/certificate-invalid/E_SIGNATURE-certifies-another-key.json
"$mk" $e --provisioning-seed $prov_other \
    --out enrolment/certificate-invalid/E_NOT_FOUND-unknown-provisioning-key.json
# a certificate made by another key that claims the provisioning key's id
"$mk" $e --provisioning-seed $prov_other --cert-keyid "$(cut -d' ' -f2 enrolment/provisioning-key.txt)" \
    --out enrolment/certificate-invalid/E_SIGNATURE-signed-by-another-key.json
# malformed enrolment members: refused by the parser (the report's own
# signature would also fail, but the form is checked first)
ve=enrolment/valid-enrolled.json
sed 's/"enrolment":{/"enrolment":{"issuer":"acme",/' $ve > $inv/E_FORMAT-enrolment-extra-member.json
sed 's/"enrolment":{"keyid":"[0-9a-f]*",/"enrolment":{/' $ve > $inv/E_FORMAT-enrolment-no-keyid.json
sed 's/\("enrolment":{"keyid":"[0-9a-f]*","sig":"\)\([0-9a-f]*\)"/\1\U\2"/' $ve \
    > $inv/E_FORMAT-enrolment-uppercase-sig.json
sed 's/"enrolment":{[^}]*}/"enrolment":"certified"/' $ve > $inv/E_FORMAT-enrolment-not-object.json
# ---- download counts (spec 1.2) --------------------------------------------------------
vd=valid-download.json
sed 's/"download":{/"download":{"local_chunks":61,/' $vd > $inv/E_FORMAT-download-extra-member.json
sed 's/"download":{"bundle":[0-9]*,/"download":{/' $vd > $inv/E_FORMAT-download-no-bundle.json
sed 's/"fetched":201207/"fetched":-1/' $vd > $inv/E_FORMAT-download-negative.json
sed 's/"fetched":201207/"fetched":"201207"/' $vd > $inv/E_FORMAT-download-string.json
sed 's/"fetched":201207/"fetched":9007199254740992/' $vd > $inv/E_FORMAT-download-above-2p53.json
sed 's/"download":{[^}]*}/"download":[201207,4198903]/' $vd > $inv/E_FORMAT-download-not-object.json
echo "vectors written to $here"
