package dev.keyway.server.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.core.aws.AwsCredentials;
import dev.keyway.core.testing.MutableClock;
import dev.keyway.store.AwsGrantRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assumed-role provider against a local HTTPS STS that verifies every AssumeRole signature:
 * caching, the 5-minute refresh window, single flight under 50 concurrent callers, failures not
 * cached, and cancellation of one caller not affecting the others.
 */
class AssumeRoleCacheTest {
    static final String ROLE = "arn:aws:iam::123456789012:role/Agent";

    @TempDir
    Path dir;

    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    FakeSts sts;
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    AssumeRoleCache cache;
    StsClient client;
    HostCredentialChain chain;
    AwsGrantRecord grant = new AwsGrantRecord("awg_1", "vlt_1", "aws", ROLE, "us-east-1", 3600, null, null, "sign", List.of(), false,
            null, Instant.EPOCH, "alice");

    @BeforeEach
    void start() throws Exception {
        sts = new FakeSts(dir, clock);
        cache = newCache(sts.env());
    }

    AssumeRoleCache newCache(Map<String, String> env) {
        AwsEnv e = new AwsEnv(env, dir, null, null);
        AwsHttp http = new AwsHttp(e);
        client = new StsClient(e, http, clock);
        chain = new HostCredentialChain(e, http, client, clock);
        Function<AwsGrantRecord, AwsCredentials> assume = g -> client.assumeRole(chain.resolve().credentials(),
                new StsClient.AssumeRoleCall(g.roleArn(), "aws", g.region(), "keyway.test." + g.name(),
                        Duration.ofSeconds(g.sessionSeconds()), g.externalId(), g.sessionPolicy())).credentials();
        return new AssumeRoleCache(assume, executor, clock);
    }

    @AfterEach
    void stop() {
        sts.close();
        executor.shutdownNow();
    }

    AwsCredentials get() throws Exception {
        return cache.get(grant, AssumeRoleCache.Freshness.PROXY).get(20, TimeUnit.SECONDS);
    }

    @Test
    void firstCallAssumesTheRoleWithASignedRequestAndLaterCallsAreCached() throws Exception {
        AwsCredentials c = get();
        assertThat(c.accessKeyId()).startsWith("ASIAFAKESESSION");
        assertThat(c.sessionToken()).isNotNull();
        assertThat(c.expiration()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(sts.issued).containsEntry(c.accessKeyId(), c.secretAccessKey());
        Map<String, String> call = sts.calls.getFirst();
        assertThat(call).containsEntry("Action", "AssumeRole").containsEntry("RoleArn", ROLE)
                .containsEntry("RoleSessionName", "keyway.test.aws").containsEntry("DurationSeconds", "3600");
        clock.advance(Duration.ofMinutes(54));
        assertThat(get()).isSameAs(c);
        assertThat(sts.assumeCalls).hasValue(1);
    }

    @Test
    void insideTheFiveMinuteWindowARefreshStartsAndCallersKeepTheCurrentKeyMeanwhile() throws Exception {
        AwsCredentials first = get();
        clock.advance(Duration.ofMinutes(56)); // 4 minutes left
        CountDownLatch release = new CountDownLatch(1);
        sts.hold.set(release);
        assertThat(get()).as("still valid for more than a minute: served while the refresh runs").isSameAs(first);
        assertThat(get()).isSameAs(first);
        release.countDown();
        AwsCredentials next = poll(c -> !c.accessKeyId().equals(first.accessKeyId()));
        assertThat(next.expiration()).isAfter(first.expiration());
        assertThat(sts.assumeCalls).hasValue(2);
    }

    @Test
    void withLessThanAMinuteLeftCallersWaitForTheRefresh() throws Exception {
        AwsCredentials first = get();
        clock.advance(Duration.ofMinutes(59).plusSeconds(30));
        AwsCredentials next = get();
        assertThat(next.accessKeyId()).isNotEqualTo(first.accessKeyId());
        assertThat(sts.assumeCalls).hasValue(2);
    }

    @Test
    void fiftyConcurrentCallersTriggerOneStsCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        sts.hold.set(release);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<AwsCredentials>>> callers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            callers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return cache.get(grant, AssumeRoleCache.Freshness.PROXY);
            }, executor));
        }
        go.countDown();
        List<CompletableFuture<AwsCredentials>> results = new ArrayList<>();
        for (var c : callers) {
            results.add(c.get(10, TimeUnit.SECONDS));
        }
        assertThat(sts.firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(results).allMatch(f -> !f.isDone());
        release.countDown();
        AwsCredentials one = results.getFirst().get(10, TimeUnit.SECONDS);
        for (var f : results) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(one);
        }
        assertThat(sts.assumeCalls).hasValue(1);
    }

    @Test
    void aFailedRefreshIsNotCached() throws Exception {
        sts.failures.add("AccessDenied");
        assertThatThrownBy(this::get).isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.ACCESS_DENIED);
            assertThat(f.awsCode()).isEqualTo("AccessDenied");
            assertThat(f.getMessage()).contains("not authorized to perform: sts:AssumeRole").doesNotContain(FakeSts.HOST_SECRET);
        });
        AwsCredentials c = get();
        assertThat(c.accessKeyId()).startsWith("ASIAFAKESESSION");
        assertThat(sts.assumeCalls).hasValue(2);
    }

    @Test
    void aServerErrorIsReportedAsUnreachableAndRetriedByTheNextCaller() throws Exception {
        sts.failures.add("InternalFailure");
        assertThatThrownBy(this::get).cause().isInstanceOfSatisfying(AwsFailure.class,
                f -> assertThat(f.kind()).isEqualTo(AwsFailure.Kind.UNREACHABLE));
        assertThat(get()).isNotNull();
    }

    @Test
    void cancellingOneCallerDoesNotCancelTheSharedRefresh() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        sts.hold.set(release);
        CompletableFuture<AwsCredentials> a = cache.get(grant, AssumeRoleCache.Freshness.PROXY);
        CompletableFuture<AwsCredentials> b = cache.get(grant, AssumeRoleCache.Freshness.PROXY);
        assertThat(sts.firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(a.cancel(true)).isTrue();
        release.countDown();
        assertThat(b.get(10, TimeUnit.SECONDS).accessKeyId()).startsWith("ASIAFAKESESSION");
        assertThat(a.isCancelled()).isTrue();
        assertThat(get()).isSameAs(b.get());
        assertThat(sts.assumeCalls).hasValue(1);
    }

    @Test
    void aChangedGrantConfigurationIsAssumedAfresh() throws Exception {
        AwsCredentials first = get();
        grant = new AwsGrantRecord("awg_1", "vlt_1", "aws", ROLE, "us-east-1", 1800, null, null, "sign", List.of(), false, null,
                Instant.EPOCH, "alice");
        assertThat(get().accessKeyId()).isNotEqualTo(first.accessKeyId());
        assertThat(sts.calls.getLast()).containsEntry("DurationSeconds", "1800");
    }

    @Test
    void wrongHostKeyIsRejectedByTheSignatureCheck() throws Exception {
        Map<String, String> env = new HashMap<>(sts.env());
        env.put("AWS_SECRET_ACCESS_KEY", "not-the-right-secret");
        cache = newCache(env);
        assertThatThrownBy(this::get).cause().isInstanceOfSatisfying(AwsFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(AwsFailure.Kind.HOST_CREDENTIALS_REJECTED);
            assertThat(f.awsCode()).isEqualTo("SignatureDoesNotMatch");
            assertThat(f.getMessage()).doesNotContain("not-the-right-secret");
        });
        assertThat(sts.assumeCalls).hasValue(0);
    }

    @Test
    void credentialProcessFreshnessLeavesMoreThanTheTenMinutesBotocoreRequires() {
        AssumeRoleCache.Freshness hour = AssumeRoleCache.Freshness.credentialProcess(Duration.ofHours(1));
        assertThat(hour.refreshBelow()).isEqualTo(Duration.ofMinutes(15));
        assertThat(hour.acceptAbove()).isEqualTo(Duration.ofMinutes(11));
        AssumeRoleCache.Freshness quarter = AssumeRoleCache.Freshness.credentialProcess(Duration.ofMinutes(15));
        assertThat(quarter.acceptAbove()).isGreaterThan(Duration.ofMinutes(10));
        assertThat(quarter.refreshBelow()).isLessThan(Duration.ofMinutes(15));
    }

    private AwsCredentials poll(java.util.function.Predicate<AwsCredentials> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            AwsCredentials c = get();
            if (until.test(c)) {
                return c;
            }
            Thread.sleep(10); // polls a refresh running on the executor; the refresh window itself is moved by the clock
        }
        throw new AssertionError("condition not reached");
    }

    @Test
    void perRunScopesGetTheirOwnSessionsWithPolicyAndTagsAndExpiredOnesArePruned() throws Exception {
        cache = new AssumeRoleCache((g, scope) -> client.assumeRole(chain.resolve().credentials(),
                new StsClient.AssumeRoleCall(g.roleArn(), "aws", g.region(), "keyway.test." + g.name(),
                        Duration.ofSeconds(g.sessionSeconds()), g.externalId(),
                        scope != null && scope.policy() != null ? scope.policy() : g.sessionPolicy(),
                        scope == null ? Map.of() : scope.tags())).credentials(), executor, clock);
        RunScope a = RunScope.of("{\"Version\":\"2012-10-17\",\"Statement\":[]}", Map.of("run", "1"));
        RunScope b = RunScope.of(null, Map.of("run", "2"));
        AwsCredentials shared = get();
        AwsCredentials ca = cache.get(grant, a, AssumeRoleCache.Freshness.PROXY).get(20, TimeUnit.SECONDS);
        AwsCredentials cb = cache.get(grant, b, AssumeRoleCache.Freshness.PROXY).get(20, TimeUnit.SECONDS);
        assertThat(List.of(shared.accessKeyId(), ca.accessKeyId(), cb.accessKeyId())).doesNotHaveDuplicates();
        assertThat(cache.get(grant, RunScope.of("{ \"Version\": \"2012-10-17\", \"Statement\": [] }", Map.of("run", "1")),
                AssumeRoleCache.Freshness.PROXY).get(20, TimeUnit.SECONDS)).as("same scope, same session").isSameAs(ca);
        assertThat(sts.calls.get(1)).containsEntry("Policy", "{\"Version\":\"2012-10-17\",\"Statement\":[]}")
                .containsEntry("Tags.member.1.Key", "run").containsEntry("Tags.member.1.Value", "1");
        assertThat(sts.calls.get(2)).doesNotContainKey("Policy").containsEntry("Tags.member.1.Value", "2");
        assertThat(sts.calls.get(0)).doesNotContainKey("Policy").doesNotContainKey("Tags.member.1.Key");
        assertThat(cache.size()).isEqualTo(3);
        clock.advance(Duration.ofHours(2));
        cache.get(grant, RunScope.of(null, Map.of("run", "3")), AssumeRoleCache.Freshness.PROXY).get(20, TimeUnit.SECONDS);
        assertThat(cache.size()).as("expired per-run sessions dropped; the shared one and the new one remain").isEqualTo(2);
        cache.forget(grant.id());
        assertThat(cache.size()).isZero();
    }

    @Test
    void runScopesAreValidated() {
        assertThat(RunScope.of(null, null)).isNull();
        assertThat(RunScope.of("  ", Map.of())).isNull();
        assertThatThrownBy(() -> RunScope.of("not json", null)).hasMessageContaining("session policy");
        assertThatThrownBy(() -> RunScope.of(null, Map.of("a*b", "1"))).hasMessageContaining("session tag keys");
        assertThatThrownBy(() -> RunScope.of(null, Map.of("k", "v".repeat(257)))).hasMessageContaining("values 0-256");
        assertThatThrownBy(() -> RunScope.of(null, Map.of("Team", "a", "team", "b"))).hasMessageContaining("unique");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 51; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> RunScope.of(null, many)).hasMessageContaining("at most 50");
        assertThat(RunScope.of(null, Map.of("a", "1")).hash()).isNotEqualTo(RunScope.of(null, Map.of("a", "2")).hash());
    }
}
