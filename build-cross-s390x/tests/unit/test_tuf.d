build-cross-s390x/tests/unit/test_tuf.o: tests/unit/test_tuf.c \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/version.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/export.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/core.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_aes256gcm.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_chacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_xchacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha512.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xsalsa20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xsalsa20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xsalsa20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_hsalsa20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_hchacha20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa2012.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa208.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash_blake2b.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash_blake2b.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha512.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf_blake2b.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf_blake2b.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kx.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth_poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth_poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2i.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2id.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2i.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_curve25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_curve25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xsalsa20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xsalsa20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretstream_xchacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_xchacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_chacha20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash_siphash24.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash_siphash24.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign_ed25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign_ed25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_chacha20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xsalsa20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_16.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_32.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_64.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes_internal_random.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes_sysrandom.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/runtime.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/utils.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xchacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xchacha20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_ed25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_ristretto255.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_ed25519.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_ristretto255.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xchacha20poly1305.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_scryptsalsa208sha256.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa2012.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa208.h \
 /work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xchacha20.h \
 /work/main/build-cross-s390x/sysroot/usr/include/cmocka.h \
 formats/ota_json.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson.h \
 /work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h \
 formats/ota_err.h formats/../client/include/ota/err.h formats/ota_pkey.h \
 formats/ota_tuf.h formats/ota_key.h formats/ota_limits.h \
 formats/ota_util.h formats/ota_hash.h tests/unit/testutil.h
/work/main/build-cross-s390x/sysroot/usr/include/sodium.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/version.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/export.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/core.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_aes256gcm.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_chacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_xchacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha512.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_auth_hmacsha512256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xsalsa20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xsalsa20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xsalsa20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_hsalsa20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_hchacha20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa2012.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_salsa208.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash_blake2b.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_generichash_blake2b.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_hash_sha512.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf_blake2b.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kdf_blake2b.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_kx.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth_poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_onetimeauth_poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2i.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2id.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_argon2i.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_curve25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_curve25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xsalsa20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xsalsa20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretstream_xchacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_aead_xchacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_chacha20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash_siphash24.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_shorthash_siphash24.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign_ed25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_sign_ed25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_chacha20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xsalsa20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_16.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_32.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_verify_64.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes_internal_random.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/randombytes_sysrandom.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/runtime.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/utils.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_box_curve25519xchacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xchacha20.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_ed25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_core_ristretto255.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_ed25519.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_scalarmult_ristretto255.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_secretbox_xchacha20poly1305.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_pwhash_scryptsalsa208sha256.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa2012.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_salsa208.h:
/work/main/build-cross-s390x/sysroot/usr/include/sodium/crypto_stream_xchacha20.h:
/work/main/build-cross-s390x/sysroot/usr/include/cmocka.h:
formats/ota_json.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson.h:
/work/main/build-cross-s390x/sysroot/usr/include/jansson_config.h:
formats/ota_err.h:
formats/../client/include/ota/err.h:
formats/ota_pkey.h:
formats/ota_tuf.h:
formats/ota_key.h:
formats/ota_limits.h:
formats/ota_util.h:
formats/ota_hash.h:
tests/unit/testutil.h:
