//! Constructors and settings of the compute kinds' builders: web apps, function apps and
//! container apps (the methods they share are in the parent module's macros).

use crate::blueprint::*;
use std::collections::BTreeMap;

impl WebApp {
    /// A private web app on `runtime` with the default plan (`P0v3`, one instance).
    pub fn new(runtime: Runtime) -> Self {
        WebApp {
            runtime,
            ingress: Ingress::default(),
            sku: WebApp::default_sku(),
            instances: 1,
            health_check_path: None,
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), public through Front Door, or directly from
    /// the internet (with a `direct-public-ingress` waiver).
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The App Service plan SKU in every environment, e.g. `P1v3`; see [`sku_in`](Self::sku_in)
    /// for one environment.
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = sku.into();
        self
    }

    /// The path App Service probes, e.g. `/healthz`.
    pub fn health_check_path(mut self, path: impl Into<String>) -> Self {
        self.health_check_path = Some(path.into());
        self
    }
}

impl FunctionApp {
    /// A private function app on `runtime`, on Flex Consumption (`FC1`).
    pub fn new(runtime: FunctionRuntime) -> Self {
        FunctionApp {
            runtime,
            ingress: Ingress::default(),
            sku: FunctionApp::default_sku(),
            maximum_instances: FunctionApp::default_maximum_instances(),
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), public through Front Door, or directly from
    /// the internet (with a `direct-public-ingress` waiver).
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The hosting plan: `FC1` (Flex Consumption) or Elastic Premium `EP1`-`EP3`, in every
    /// environment.
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = sku.into();
        self
    }
}

impl ContainerApp {
    /// A container app running `image`: a reference that names its registry host
    /// (`"mcr.microsoft.com/k8se/quickstart:latest"`) or a [`RegistryImage`] in one of the
    /// blueprint's container-registry components.
    pub fn new(image: impl Into<Image>) -> Self {
        ContainerApp {
            image: image.into(),
            ingress: Ingress::default(),
            target_port: None,
            cpu: ContainerApp::default_cpu(),
            memory: ContainerApp::default_memory(),
            min_replicas: 0,
            max_replicas: ContainerApp::default_max_replicas(),
            environment: ContainerEnvironment::default(),
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), inside the VNet, or nobody (`None`, for
    /// workers); container apps run in an internal environment.
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The port the container listens on; required with ingress unless the image is a sample
    /// whose port bulwark knows.
    pub fn target_port(mut self, port: u32) -> Self {
        self.target_port = Some(port);
        self
    }

    /// Run in a Container Apps environment of its own instead of the app's shared one.
    pub fn dedicated_environment(mut self) -> Self {
        self.environment = ContainerEnvironment::Dedicated;
        self
    }

    /// The tag of the registry image in one environment (`image_tag` in
    /// `[components.<name>.environments.<env>]`); other environments keep the image's `tag`.
    pub fn image_tag_in(self, environment: impl Into<String>, tag: impl Into<String>) -> Self {
        let tag: String = tag.into();
        self.environment(environment, ContainerApp::IMAGE_TAG, tag.as_str())
    }
}

impl RegistryImage {
    /// `repository:tag` in the container-registry component `registry`, e.g.
    /// `RegistryImage::new("images", "payroll/runs", "1.8.2")`.
    pub fn new(
        registry: impl Into<String>,
        repository: impl Into<String>,
        tag: impl Into<String>,
    ) -> Self {
        RegistryImage {
            registry: registry.into(),
            repository: repository.into(),
            tag: tag.into(),
        }
    }
}
