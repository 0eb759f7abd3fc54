/**
 * What an agent process needs to use an AWS grant: the AWS config that {@code keyway run} writes
 * for its child ({@link dev.keyway.cli.aws.AwsChildConfig}).
 */
@NullMarked
package dev.keyway.cli.aws;

import org.jspecify.annotations.NullMarked;
