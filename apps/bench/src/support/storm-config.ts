/**
 * The reload-storm config, version N: the gateway's default rules, a shared rate limit no test
 * client reaches, and a final allow rule named after the version whose status also depends on
 * it, so every answer says which version decided it. Shared by the scenario (which checks
 * answers) and the reload driver process (which writes the versions).
 */
export function stormConfig(version: number): string {
  return `# reload-storm config, version ${version}
ip:
  deny: [192.0.2.66, 198.51.100.0/24, "2001:db8:bad::/48"]
rules:
  - name: health-check
    match: { path: /healthz }
    action: allow
  - name: scanners
    match: { userAgent: "(sqlmap|nikto|nmap|masscan|zgrab|nuclei)" }
    action: deny
  - name: dotfiles
    match: { pathRegex: "^/(\\\\.env|\\\\.git|\\\\.aws|wp-config\\\\.php)" }
    action: deny
  - name: everyone-rate
    action: limit
    limit: per-ip
  - name: storm-v${version}
    action: allow
limits:
  per-ip: { requests: 1000000, windowSeconds: 1 }
statuses: { allow: ${expectedStatus(version)}, deny: 403, limited: 429 }
`;
}

export function expectedStatus(version: number): number {
  return 200 + (version % 100);
}
