"""The developer portal at `/portal/`: developers' accounts (sign-up, sign-in, sessions)
for people (pages, forms with CSRF tokens) and for scripts (`/portal/api/`, JSON).

`routes` is the table and mounts the portal as a sub-application with its own session
middleware; `pages` and `api` are the two faces; `accounts` the sign-up and sign-in they
share; `common` what their handlers share; `sessions` the cookie, who is signed in
(`current_developer`, `require_developer`) and the CSRF token (`csrf_token`,
`checked_form`); `passwords` the argon2 hashing. The accounts themselves, and the rule
that locks repeated wrong passwords, are the model's: `testbed.network.portal`.
"""
