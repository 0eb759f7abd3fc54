/**
 * AWS as a Keyway credential source, in pure code: what an AWS grant is ({@link
 * dev.keyway.core.aws.RoleArn}, {@link dev.keyway.core.aws.SessionDuration}), the SigV4 signer the
 * server uses to call STS and the proxy uses to re-sign agents' requests ({@link
 * dev.keyway.core.aws.SigV4Signer}, {@link dev.keyway.core.aws.AwsChunkedResigner}), what a
 * client's placeholder signature says about the request ({@link
 * dev.keyway.core.aws.AwsAuthorization}, {@link dev.keyway.core.aws.AwsEndpoints}) and the
 * {@code credential_process} output format ({@link dev.keyway.core.aws.CredentialProcessJson}).
 *
 * <p>No I/O, no clocks (times are parameters), no mutable static state. Secret keys never appear in
 * {@code toString()} or exception messages.
 */
@NullMarked
package dev.keyway.core.aws;

import org.jspecify.annotations.NullMarked;
