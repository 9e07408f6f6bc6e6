"""Roles an actor can hold (one per token). `admin` may issue every command."""

CIVIL_AFFAIRS = "civil_affairs"  # 民政局 staff: registry, grades, campaigns, complaints, listings
FIRE = "fire"  # 消防救援机构: fire-safety findings
MARKET = "market"  # 市场监管局: joint campaigns, prepaid-fee supervision
INSPECTOR = "inspector"  # certified inspector (user = inspector id in the pool)
ADMIN = "admin"
SYSTEM = "system"  # the clock and policy processes
ROLES = (CIVIL_AFFAIRS, FIRE, MARKET, INSPECTOR, ADMIN, SYSTEM)
