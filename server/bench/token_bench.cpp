// Micro-benchmarks of the per-request authentication work: verifying an
// access token (JwtTokenSigner) and the whole AuthService::authenticate on a
// cached session. Run: build/bench/server/bench/tr_token_bench
#include <benchmark/benchmark.h>

#include "adapters/crypto/jwt_token_signer.hpp"

namespace tr {
namespace {

// Verifies one token over and over with `signer`.
void verify_repeatedly(benchmark::State& state, JwtTokenSigner& signer) {
  const EpochMs now = 1'800'000'000'000;
  const std::string token =
      signer.sign(AccessClaims{"user-123", "session-456", "jti-789", false, now, now + 900'000});
  for (auto _ : state) {
    auto claims = signer.verify(token, now + 1000);
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

// A token seen before (every request after a client's first): the verified-token cache.
void BM_VerifyAccessToken(benchmark::State& state) {
  JwtTokenSigner signer("benchmark-secret-0123456789abcdef");
  verify_repeatedly(state, signer);
}
BENCHMARK(BM_VerifyAccessToken);

// A token seen for the first time: the full libjwt decode and HMAC check.
void BM_VerifyAccessTokenFirstSight(benchmark::State& state) {
  JwtTokenSigner signer("benchmark-secret-0123456789abcdef", {}, /*cache_capacity=*/0);
  verify_repeatedly(state, signer);
}
BENCHMARK(BM_VerifyAccessTokenFirstSight);

void BM_SignAccessToken(benchmark::State& state) {
  JwtTokenSigner signer("benchmark-secret-0123456789abcdef");
  const EpochMs now = 1'800'000'000'000;
  for (auto _ : state) {
    auto token = signer.sign(AccessClaims{"user-123", "session-456", "jti-789", false, now, now + 900'000});
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignAccessToken);

}  // namespace
}  // namespace tr

BENCHMARK_MAIN();
