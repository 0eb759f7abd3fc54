<?php
// keyway run: PHP's http and https stream wrappers (file_get_contents, fopen, get_headers) ignore
// the proxy variables, so this file, loaded through auto_prepend_file by the run's ini, makes the
// default stream context send them through the Keyway proxy named in https_proxy. A context the
// program passes itself replaces the default one and is left alone. Holds no secret: the token is
// read from the environment at run time.
(static function (): void {
    $proxy = getenv('https_proxy');
    if ($proxy === false || $proxy === '') {
        $proxy = getenv('HTTPS_PROXY');
    }
    if ($proxy === false || $proxy === '') {
        return;
    }
    $u = parse_url($proxy);
    if (!is_array($u) || !isset($u['host'], $u['port'])) {
        fwrite(STDERR, "keyway: cannot route PHP streams through Keyway: https_proxy is not http://TOKEN:VAULT@HOST:PORT\n");
        return;
    }
    $http = ['proxy' => 'tcp://' . $u['host'] . ':' . $u['port'], 'request_fulluri' => true];
    if (isset($u['user'])) {
        $http['header'] = ['Proxy-Authorization: Basic '
            . base64_encode(rawurldecode($u['user']) . ':' . rawurldecode($u['pass'] ?? ''))];
    }
    stream_context_set_default(['http' => $http]);
})();
