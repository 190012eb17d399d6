# Sourced by the other scripts: installs the web app's npm packages (npm ci) when they are missing or
# older than package-lock.json.
frontend_deps() {
  if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    (cd frontend && npm ci --no-audit --no-fund)
  fi
}
