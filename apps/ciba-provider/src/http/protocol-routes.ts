import { declaredRoutes } from '@onboard/nest-http';
import { BackchannelAuthenticationController } from '../controllers/backchannel-authentication.controller';
import { DiscoveryController } from '../controllers/discovery.controller';
import { IntrospectionController } from '../controllers/introspection.controller';
import { JwksController } from '../controllers/jwks.controller';
import { OwnerDeviceController } from '../controllers/owner-device.controller';
import { RegistrationController } from '../controllers/registration.controller';
import { RevocationController } from '../controllers/revocation.controller';
import { TokenController } from '../controllers/token.controller';
import { UserinfoController } from '../controllers/userinfo.controller';

/**
 * The OAuth / OpenID / CIBA endpoints and the owner-device API as the controllers declare them
 * (method, path with `:name` parameters): for the checks of docs/openapi.yaml.
 */
export const PROTOCOL_ROUTES = declaredRoutes([
  DiscoveryController,
  JwksController,
  BackchannelAuthenticationController,
  TokenController,
  UserinfoController,
  IntrospectionController,
  RevocationController,
  RegistrationController,
  OwnerDeviceController,
]);
