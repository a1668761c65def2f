-- Pending team invitations. The invitee already has an account (the Console invites by email, and
-- only existing accounts can be invited); accepting moves the row into product_members. Invitations
-- count against the team cap together with the members, so that accepting can never exceed it.
CREATE TABLE product_invitations (
  product_id integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('administrator', 'developer', 'support', 'view_only')),
  invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
  invited_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, user_id)
);
CREATE INDEX product_invitations_by_user ON product_invitations (user_id);

-- A product's API users: programmatic team members. Each is a users row of kind 'api_user' (no
-- password login); this row holds what the team page shows and the scopes its tokens carry.
-- Deleting the users row deletes this one and the user's tokens (access_tokens cascade).
CREATE TABLE product_api_users (
  user_id       bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  product_id    integer NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  friendly_name text NOT NULL CHECK (length(friendly_name) BETWEEN 1 AND 100),
  scopes        text[] NOT NULL,
  created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_api_users_by_product ON product_api_users (product_id);
