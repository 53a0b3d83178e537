//! Constructors and settings of the builders of the kinds compute connects to: storage,
//! key vaults, registries, databases, messaging, caches, configuration, AI services and
//! external services.

use crate::blueprint::*;
use std::collections::BTreeMap;

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

impl Storage {
    /// A storage account with no containers or queues yet, zone-redundant.
    pub fn new() -> Self {
        Storage {
            containers: Vec::new(),
            queues: Vec::new(),
            replication: Replication::default(),
            environments: Overrides::new(),
        }
    }

    /// Private blob containers to create.
    pub fn containers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.containers.extend(names.into_iter().map(Into::into));
        self
    }

    /// Storage queues to create.
    pub fn queues<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.queues.extend(names.into_iter().map(Into::into));
        self
    }

    /// The account's redundancy in every environment; see
    /// [`replication_in`](Self::replication_in) for one environment.
    pub fn replication(mut self, replication: Replication) -> Self {
        self.replication = replication;
        self
    }
}

impl Default for KeyVault {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyVault {
    /// A key vault with no secrets yet.
    pub fn new() -> Self {
        KeyVault {
            secrets: Vec::new(),
        }
    }

    /// Secret names; their values are read from environment variables at deploy time.
    pub fn secrets<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(names.into_iter().map(Into::into));
        self
    }
}

impl ContainerRegistry {
    /// A Premium container registry keeping untagged manifests for 7 days.
    pub fn new() -> Self {
        ContainerRegistry {
            retention_days: ContainerRegistry::default_retention_days(),
        }
    }
}

impl AdminGroup {
    /// The Entra group `name` with object id `object_id` (a GUID).
    pub fn new(name: impl Into<String>, object_id: impl Into<String>) -> Self {
        AdminGroup {
            name: name.into(),
            object_id: object_id.into(),
        }
    }
}

impl SqlDatabase {
    /// A serverless database (`GP_S_Gen5_1`, 32 GB) whose server `admin_group` administers.
    pub fn new(admin_group: AdminGroup) -> Self {
        SqlDatabase {
            admin_group,
            sku: SqlDatabase::default_sku(),
            max_size_gb: SqlDatabase::default_max_size_gb(),
            environments: Overrides::new(),
        }
    }
}

impl Postgres {
    /// A PostgreSQL 16 server (`Standard_B1ms`, 32 GB) whose admin is `admin_group`, with no
    /// databases yet.
    pub fn new(admin_group: AdminGroup) -> Self {
        Postgres {
            admin_group,
            databases: Vec::new(),
            version: Postgres::default_version(),
            sku: Postgres::default_sku(),
            storage_gb: Postgres::default_storage_gb(),
            environments: Overrides::new(),
        }
    }

    /// Databases to create; connections name one as `<server>.<database>`.
    pub fn databases<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.databases.extend(names.into_iter().map(Into::into));
        self
    }
}

impl CosmosDb {
    /// A Cosmos DB account with no databases yet.
    pub fn new() -> Self {
        CosmosDb::default()
    }

    /// A container in a database, with its partition key path.
    pub fn container(
        mut self,
        database: impl Into<String>,
        container: impl Into<String>,
        partition_key: impl Into<String>,
    ) -> Self {
        self.databases
            .entry(database.into())
            .or_default()
            .containers
            .insert(container.into(), partition_key.into());
        self
    }
}

impl ServiceBus {
    /// A Service Bus namespace with one messaging unit and no entities yet.
    pub fn new() -> Self {
        ServiceBus {
            queues: Vec::new(),
            topics: BTreeMap::new(),
            capacity: 1,
            environments: Overrides::new(),
        }
    }

    /// Queues to create.
    pub fn queues<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.queues.extend(names.into_iter().map(Into::into));
        self
    }

    /// A topic and its subscriptions; connections name a subscription `topic/subscription`.
    pub fn topic<S: Into<String>>(
        mut self,
        topic: impl Into<String>,
        subscriptions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.topics
            .entry(topic.into())
            .or_default()
            .extend(subscriptions.into_iter().map(Into::into));
        self
    }
}

impl EventHubs {
    /// A Standard Event Hubs namespace (one unit, two partitions per hub) with no hubs yet.
    pub fn new() -> Self {
        EventHubs {
            hubs: Vec::new(),
            partitions: EventHubs::default_partitions(),
            sku: EventHubs::default_sku(),
            capacity: 1,
            environments: Overrides::new(),
        }
    }

    /// Event hubs to create.
    pub fn hubs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.hubs.extend(names.into_iter().map(Into::into));
        self
    }
}

impl Redis {
    /// An Azure Managed Redis instance of the default SKU (`Balanced_B0`).
    pub fn new() -> Self {
        Redis {
            sku: Redis::default_sku(),
            environments: Overrides::new(),
        }
    }
}

impl AppConfiguration {
    /// A `standard` App Configuration store.
    pub fn new() -> Self {
        AppConfiguration {
            sku: AppConfiguration::default_sku(),
            environments: Overrides::new(),
        }
    }
}

impl OpenAi {
    /// An Azure OpenAI account with no model deployments yet.
    pub fn new() -> Self {
        OpenAi::default()
    }

    /// A model deployment `name` of `model` at `version`, with the default SKU (`Standard`)
    /// and capacity (10 thousand tokens per minute).
    pub fn deployment(
        mut self,
        name: impl Into<String>,
        model: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        self.deployments.insert(
            name.into(),
            OpenAiDeployment {
                model: model.into(),
                version: version.into(),
                sku: OpenAiDeployment::default_sku(),
                capacity: OpenAiDeployment::default_capacity(),
            },
        );
        self
    }
}

impl AiSearch {
    /// A `basic` AI Search service with one replica and one partition.
    pub fn new() -> Self {
        AiSearch {
            sku: AiSearch::default_sku(),
            replicas: 1,
            partitions: 1,
            environments: Overrides::new(),
        }
    }
}

impl External {
    /// A service at `url` (https) whose secret the key-vault component `vault` keeps.
    pub fn new(url: impl Into<String>, vault: impl Into<String>) -> Self {
        External {
            url: url.into(),
            vault: vault.into(),
        }
    }
}

macro_rules! default_from_new {
    ($($kind:ident),*) => {$(
        impl Default for $kind {
            fn default() -> Self {
                Self::new()
            }
        }
    )*};
}
default_from_new!(
    ContainerRegistry,
    ServiceBus,
    EventHubs,
    Redis,
    AppConfiguration,
    AiSearch
);
