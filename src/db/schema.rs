//! Diesel's view of the tables in `migrations/`. Written by hand, portable types only.

diesel::table! {
    domains (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        enabled -> Bool,
        extra -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        name -> Text,
        domain_id -> Text,
        description -> Text,
        enabled -> Bool,
        parent_id -> Nullable<Text>,
        extra -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        name -> Text,
        domain_id -> Text,
        description -> Text,
        extra -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        domain_id -> Text,
        enabled -> Bool,
        description -> Text,
        password_hash -> Nullable<Text>,
        password_expires_at -> Nullable<BigInt>,
        default_project_id -> Nullable<Text>,
        extra -> Text,
        created_at -> BigInt,
        failed_auth_count -> Integer,
        failed_auth_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    groups (id) {
        id -> Text,
        name -> Text,
        domain_id -> Text,
        description -> Text,
        extra -> Text,
        create_time -> BigInt,
    }
}

diesel::table! {
    user_group_membership (user_id, group_id) {
        user_id -> Text,
        group_id -> Text,
    }
}

diesel::table! {
    assignments (kind, actor_id, target_id, role_id, inherited) {
        kind -> Text,
        actor_id -> Text,
        target_id -> Text,
        role_id -> Text,
        inherited -> Bool,
    }
}

diesel::table! {
    implied_roles (prior_role_id, implied_role_id) {
        prior_role_id -> Text,
        implied_role_id -> Text,
    }
}

diesel::table! {
    regions (id) {
        id -> Text,
        description -> Text,
        parent_region_id -> Nullable<Text>,
        extra -> Text,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        #[sql_name = "type"]
        service_type -> Text,
        enabled -> Bool,
        extra -> Text,
    }
}

diesel::table! {
    endpoints (id) {
        id -> Text,
        service_id -> Text,
        interface -> Text,
        region_id -> Nullable<Text>,
        url -> Text,
        enabled -> Bool,
        extra -> Text,
    }
}

diesel::table! {
    revocation_events (id) {
        id -> BigInt,
        audit_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        issued_before -> BigInt,
        expires_at -> BigInt,
        project_id -> Nullable<Text>,
        domain_id -> Nullable<Text>,
    }
}

diesel::table! {
    credentials (access) {
        access -> Text,
        user_id -> Text,
        sealed_secret -> Text,
        status -> Text,
        description -> Text,
        create_time -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> BigInt,
        event_type -> Text,
        action -> Text,
        outcome -> Text,
        initiator_id -> Nullable<Text>,
        initiator_address -> Nullable<Text>,
        target_type -> Text,
        target_id -> Nullable<Text>,
        target_path -> Text,
        method -> Text,
        status -> Integer,
        request_id -> Text,
        target_name -> Nullable<Text>,
        target_domain -> Nullable<Text>,
    }
}

diesel::table! {
    signature_uses (signature_hash) {
        signature_hash -> Text,
        reusable_until -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    os_credentials (id) {
        id -> Text,
        user_id -> Text,
        project_id -> Nullable<Text>,
        cred_type -> Text,
        sealed_blob -> Text,
        extra -> Text,
        created_at -> BigInt,
    }
}

// Application credentials and access rules (migration 2026-12-10-000100).
diesel::table! {
    application_credentials (id) {
        id -> Text,
        name -> Text,
        user_id -> Text,
        project_id -> Text,
        description -> Nullable<Text>,
        secret_hash -> Text,
        unrestricted -> Bool,
        expires_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    application_credential_roles (application_credential_id, role_id) {
        application_credential_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    access_rules (id) {
        id -> Text,
        user_id -> Text,
        service -> Text,
        path -> Text,
        method -> Text,
    }
}

diesel::table! {
    application_credential_access_rules (application_credential_id, access_rule_id) {
        application_credential_id -> Text,
        access_rule_id -> Text,
    }
}

// ---- /v3/policies, domain configuration, OS-OAUTH1 ----

diesel::table! {
    policies (id) {
        id -> Text,
        #[sql_name = "type"]
        policy_type -> Text,
        blob -> Text,
        extra -> Text,
    }
}

diesel::table! {
    domain_configs (domain_id, group_name, option_name) {
        domain_id -> Text,
        group_name -> Text,
        option_name -> Text,
        value -> Text,
        sensitive -> Bool,
    }
}

diesel::table! {
    oauth1_consumers (id) {
        id -> Text,
        sealed_secret -> Text,
        description -> Nullable<Text>,
        extra -> Text,
    }
}

diesel::table! {
    oauth1_request_tokens (id) {
        id -> Text,
        sealed_secret -> Text,
        consumer_id -> Text,
        requested_project_id -> Text,
        role_ids -> Nullable<Text>,
        authorizing_user_id -> Nullable<Text>,
        verifier -> Nullable<Text>,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth1_access_tokens (id) {
        id -> Text,
        sealed_secret -> Text,
        consumer_id -> Text,
        authorizing_user_id -> Text,
        project_id -> Text,
        role_ids -> Text,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(domain_configs -> domains (domain_id));
diesel::joinable!(oauth1_request_tokens -> oauth1_consumers (consumer_id));
diesel::joinable!(oauth1_access_tokens -> oauth1_consumers (consumer_id));

diesel::joinable!(projects -> domains (domain_id));
diesel::joinable!(users -> domains (domain_id));
diesel::joinable!(groups -> domains (domain_id));
diesel::joinable!(user_group_membership -> users (user_id));
diesel::joinable!(user_group_membership -> groups (group_id));
diesel::joinable!(assignments -> roles (role_id));
diesel::joinable!(endpoints -> services (service_id));
diesel::joinable!(credentials -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    domains,
    projects,
    roles,
    users,
    groups,
    user_group_membership,
    assignments,
    implied_roles,
    regions,
    services,
    endpoints,
    revocation_events,
    credentials,
    audit_events,
    signature_uses,
    os_credentials,
    application_credentials,
    application_credential_roles,
    access_rules,
    application_credential_access_rules,
);

// Federation (OS-FEDERATION): identity providers, their remote ids, mappings, protocols.

diesel::table! {
    identity_providers (id) {
        id -> Text,
        domain_id -> Text,
        enabled -> Bool,
        description -> Nullable<Text>,
        authorization_ttl -> Nullable<Integer>,
        created_at -> BigInt,
    }
}

diesel::table! {
    idp_remote_ids (remote_id) {
        remote_id -> Text,
        idp_id -> Text,
    }
}

diesel::table! {
    mappings (id) {
        id -> Text,
        rules -> Text,
        schema_version -> Text,
    }
}

diesel::table! {
    federation_protocols (idp_id, id) {
        idp_id -> Text,
        id -> Text,
        mapping_id -> Text,
        remote_id_attribute -> Nullable<Text>,
    }
}

diesel::joinable!(idp_remote_ids -> identity_providers (idp_id));
diesel::joinable!(federation_protocols -> identity_providers (idp_id));

diesel::allow_tables_to_appear_in_same_query!(
    identity_providers,
    idp_remote_ids,
    mappings,
    federation_protocols,
    policies,
    domain_configs,
    oauth1_consumers,
    oauth1_request_tokens,
    oauth1_access_tokens,
);

// OS-TRUST (migrations/*/2026-12-10-000200_trusts).
diesel::table! {
    trusts (id) {
        id -> Text,
        trustor_user_id -> Text,
        trustee_user_id -> Text,
        project_id -> Nullable<Text>,
        impersonation -> Bool,
        expires_at -> Nullable<BigInt>,
        remaining_uses -> Nullable<Integer>,
        redelegated_trust_id -> Nullable<Text>,
        redelegation_count -> Integer,
        extra -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    trust_roles (trust_id, role_id) {
        trust_id -> Text,
        role_id -> Text,
    }
}

diesel::joinable!(trust_roles -> trusts (trust_id));
diesel::allow_tables_to_appear_in_same_query!(trusts, trust_roles, roles);

// Project tags (migrations/*/2026-12-10-000500_project_tags): the index of the tags a
// project's `extra` holds.
diesel::table! {
    project_tag (project_id, name) {
        project_id -> Text,
        name -> Text,
    }
}

diesel::joinable!(project_tag -> projects (project_id));
diesel::allow_tables_to_appear_in_same_query!(project_tag, projects);

// Unified limits and the endpoint filter (OS-EP-FILTER).
diesel::table! {
    registered_limits (id) {
        id -> Text,
        service_id -> Text,
        region_id -> Nullable<Text>,
        resource_name -> Text,
        default_limit -> BigInt,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    limits (id) {
        id -> Text,
        registered_limit_id -> Text,
        project_id -> Nullable<Text>,
        domain_id -> Nullable<Text>,
        resource_limit -> BigInt,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    endpoint_groups (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        filters -> Text,
    }
}

diesel::table! {
    project_endpoints (endpoint_id, project_id) {
        endpoint_id -> Text,
        project_id -> Text,
    }
}

diesel::table! {
    project_endpoint_groups (endpoint_group_id, project_id) {
        endpoint_group_id -> Text,
        project_id -> Text,
    }
}

diesel::joinable!(limits -> registered_limits (registered_limit_id));

diesel::allow_tables_to_appear_in_same_query!(
    registered_limits,
    limits,
    endpoint_groups,
    project_endpoints,
    project_endpoint_groups,
);
