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
);

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
