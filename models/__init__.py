"""Persistence: SQLAlchemy 2 typed models, one module per aggregate."""
from sqlalchemy.orm import joinedload

from .attachment import Attachment
from .audit import AuditCheckpoint, AuditEntry, AuditHead
from .base import Base
from .case import Case, CaseEvent, ReferenceCounter
from .case_link import LINK_KINDS, CaseLink
from .message import OutboxMessage
from .notification import Notification
from .operations_log import Incident
from .policy import PROFILES, ClosureDay, PolicySetting, Timescale
from .point import POINT_OUTCOMES, ComplaintPoint
from .process import ProcessVersion
from .remedy_action import REMEDY_ACTION_STATES, RemedyAction
from .representative import ConsentRecord, Representative
from .search import CaseSearchKey
from .reporting import (AnnualReport, CaseRemedy, CaseStage, ImprovementAction, OmbudsmanEnquiry,
                        ReportSnapshot, SelfAssessment)
from .subject_access import SubjectAccessRequest
from .user import ROLE_IN_LETTERS, ROLES, User, UserRole, UserServiceArea
from .workflow_index import ReadyTask, WaitingTimer

# How a signed-in officer is loaded on every request (the app's Flask-Login loader): the account, its roles
# and its areas in one query, since every page checks them. Here, once every model is defined.
USER_WITH_ROLES_AND_AREAS = (joinedload(User.roles), joinedload(User.service_areas))

__all__ = ["AnnualReport", "CaseRemedy", "CaseStage", "ImprovementAction", "OmbudsmanEnquiry",  # reporting
           "ReportSnapshot", "SelfAssessment", "SubjectAccessRequest",
           "Attachment", "AuditCheckpoint", "AuditEntry", "AuditHead", "Base", "Case", "CaseEvent",
           "CaseLink", "CaseSearchKey", "LINK_KINDS",
           "ClosureDay", "ComplaintPoint", "ConsentRecord", "Incident", "Notification",
           "OutboxMessage", "POINT_OUTCOMES", "PolicySetting", "PROFILES", "Timescale", "ProcessVersion",
           "ReadyTask", "ReferenceCounter",
           "REMEDY_ACTION_STATES", "RemedyAction", "Representative", "ROLE_IN_LETTERS", "ROLES", "User",
           "USER_WITH_ROLES_AND_AREAS", "UserRole", "UserServiceArea", "WaitingTimer"]
