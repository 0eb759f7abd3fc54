/**
 * AWS grants at run time: the server's own AWS credentials ({@link
 * dev.keyway.server.aws.HostCredentialChain}: environment, web identity, shared files and profile
 * (static keys, role profiles and {@code credential_process}, {@link
 * dev.keyway.server.aws.ProfileCredentials}), container and instance metadata, or a credential pair
 * stored in the vault), a hand-written STS
 * client ({@link dev.keyway.server.aws.StsClient}), the caching assumed-role provider ({@link
 * dev.keyway.server.aws.AssumeRoleCache}: refresh before expiry, single-flight, failures not
 * cached), the grant service behind the API ({@link dev.keyway.server.aws.AwsGrants}) and the
 * proxy's sign mode ({@link dev.keyway.server.aws.AwsSigning}).
 *
 * <p>Keyway's own AWS calls follow the AWS SDK environment conventions ({@code AWS_REGION},
 * {@code AWS_ENDPOINT_URL_STS}, {@code AWS_ENDPOINT_URL}, {@code AWS_CA_BUNDLE}, {@code AWS_PROFILE},
 * ...), read from an {@link dev.keyway.server.aws.AwsEnv} so tests can point them at local fakes.
 * Keys never reach logs, audit records or error messages.
 */
@NullMarked
package dev.keyway.server.aws;

import org.jspecify.annotations.NullMarked;
