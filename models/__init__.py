"""Persistence: SQLAlchemy 2 typed models, one module per aggregate."""
from .audit import AuditEntry, AuditHead
from .base import Base
from .case import Case, CaseEvent, ReferenceCounter
from .message import OutboxMessage
from .notification import Notification
from .operations_log import Incident, WorkerLease
from .policy import PROFILES, ClosureDay, PolicySetting, Timescale
from .process import ProcessVersion
from .reporting import CaseRemedy, CaseStage, ImprovementAction, OmbudsmanEnquiry, SelfAssessment
from .user import ROLES, SEE_ALL_ROLES, User, UserRole, UserServiceArea
from .workflow_index import ReadyTask, WaitingTimer

__all__ = ["CaseRemedy", "CaseStage", "ImprovementAction", "OmbudsmanEnquiry", "SelfAssessment",  # reporting
           "AuditEntry", "AuditHead", "Base", "Case", "CaseEvent", "ClosureDay", "Incident", "Notification", "OutboxMessage", "PolicySetting", "PROFILES", "Timescale", "WorkerLease", "ProcessVersion", "ReadyTask", "ReferenceCounter",
           "ROLES", "SEE_ALL_ROLES", "User", "UserRole", "UserServiceArea", "WaitingTimer"]
