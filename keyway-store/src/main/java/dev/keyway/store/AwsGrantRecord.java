package dev.keyway.store;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A stored AWS grant: an IAM role the vault's agents may use, and how.
 *
 * @param id {@code awg_…}; blank when passed to {@link Store#putAwsGrant} for a new grant
 * @param roleArn the validated role ARN
 * @param region region of the STS endpoint (and the default region handed to SDKs)
 * @param sessionSeconds requested session duration, 900 to 43200
 * @param externalId the {@code ExternalId} the role's trust policy requires, or null
 * @param sessionPolicy an inline session policy (JSON) that narrows the role, or null
 * @param mode {@code credential-process} or {@code sign}
 * @param hosts sign mode: host rules (empty = the defaults)
 * @param allowPrivate sign mode: the hosts may resolve to private addresses (VPC endpoints, local stores)
 * @param hostCredential prefix of a vault credential pair used to call STS, or null for the server's chain
 */
public record AwsGrantRecord(
        String id,
        String vaultId,
        String name,
        String roleArn,
        String region,
        int sessionSeconds,
        @Nullable String externalId,
        @Nullable String sessionPolicy,
        String mode,
        List<String> hosts,
        boolean allowPrivate,
        @Nullable String hostCredential,
        Instant createdAt,
        String createdBy) {
    public AwsGrantRecord {
        hosts = List.copyOf(hosts);
    }
}
